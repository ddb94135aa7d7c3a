//! heron-cli (work in progress).
