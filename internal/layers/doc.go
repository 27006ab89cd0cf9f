// Package layers has no code: its test reads every package's imports from the source and checks
// them against the "may import" column of docs/ARCHITECTURE.md's package table, so the map and
// the code cannot drift apart.
package layers
