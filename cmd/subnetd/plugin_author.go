package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// Placeholders for the scorer-authoring commands; their owner replaces this file.

func newPluginNewCmd() *cobra.Command {
	return &cobra.Command{Use: "new NAME", Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error { return errors.New("plugin new: not available in this build yet") }}
}

func newPluginTestCmd() *cobra.Command {
	return &cobra.Command{Use: "test DIR", Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error { return errors.New("plugin test: not available in this build yet") }}
}

func newPluginPackCmd() *cobra.Command {
	return &cobra.Command{Use: "pack DIR", Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error { return errors.New("plugin pack: not available in this build yet") }}
}

func newPluginSignCmd() *cobra.Command {
	return &cobra.Command{Use: "sign", Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error { return errors.New("plugin sign: not available in this build yet") }}
}

func newPluginVerifyCmd() *cobra.Command {
	return &cobra.Command{Use: "verify", Short: "not available in this build yet",
		RunE: func(*cobra.Command, []string) error { return errors.New("plugin verify: not available in this build yet") }}
}
