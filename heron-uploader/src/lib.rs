//! heron-uploader (work in progress).
