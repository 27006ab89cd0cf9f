// Package shareddata locates the shared test vectors (../shared/testdata)
// for the yuma packages' tests; it is test support only.
package shareddata
