// Package plugins handles scorer packages: building a scorer from source, and (as the daemon
// grows) manifests, content hashes, signatures and versions.
package plugins
