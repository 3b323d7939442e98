//! 日间照料 at the desk (issue 13), headless against the demo centre's use-cases, then through the binary.
