//! heron-aurora-render (work in progress).
