// Package baseline is a frozen copy of package yuma's epoch as it was
// before the fourth speed round (commit 0a35d46, 2026-12-06): the same
// sources with the package renamed, nothing else changed. It is not used
// by subnetd; yuma's tests and benchmarks run it next to the current epoch
// on the same inputs, to show that every output bit is unchanged and to
// print the speed-up against it measured in the same run.
package baseline
