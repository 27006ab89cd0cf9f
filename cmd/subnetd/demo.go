package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newDemoCmd is a placeholder until its package lands; its owner replaces this file.
func newDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("demo: not available in this build yet")
		},
	}
}
