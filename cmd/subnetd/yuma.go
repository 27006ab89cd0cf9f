package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newYumaCmd is a placeholder until its package lands; its owner replaces this file.
func newYumaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "yuma",
		Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("yuma: not available in this build yet")
		},
	}
}
