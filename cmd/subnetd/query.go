package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newQueryCmd is a placeholder until its package lands; its owner replaces this file.
func newQueryCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "query",
		Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("query: not available in this build yet")
		},
	}
}
