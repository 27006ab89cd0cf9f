package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newRunCmd is a placeholder until its package lands; its owner replaces this file.
func newRunCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "run",
		Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("run: not available in this build yet")
		},
	}
}
