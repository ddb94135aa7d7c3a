//! Test harness for the heron workspace (work in progress).
