package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newChainCmd is a placeholder until its package lands; its owner replaces this file.
func newChainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "chain",
		Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("chain: not available in this build yet")
		},
	}
}
