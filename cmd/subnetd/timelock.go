package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newTimelockCmd is a placeholder until its package lands; its owner replaces this file.
func newTimelockCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "timelock",
		Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("timelock: not available in this build yet")
		},
	}
}
