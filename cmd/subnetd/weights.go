package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newWeightsCmd is a placeholder until its package lands; its owner replaces this file.
func newWeightsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "weights",
		Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("weights: not available in this build yet")
		},
	}
}
