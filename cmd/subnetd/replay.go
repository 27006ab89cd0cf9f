package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newReplayCmd is a placeholder until its package lands; its owner replaces this file.
func newReplayCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "replay",
		Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("replay: not available in this build yet")
		},
	}
}
