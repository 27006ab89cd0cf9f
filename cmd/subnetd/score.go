package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newScoreCmd() *cobra.Command {
	return &cobra.Command{Use: "score", RunE: func(*cobra.Command, []string) error { return errors.New("score: not yet") }}
}

func newPluginCmd() *cobra.Command {
	return &cobra.Command{Use: "plugin", RunE: func(*cobra.Command, []string) error { return errors.New("plugin: not yet") }}
}
