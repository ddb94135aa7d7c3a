//! heron-statemgr (work in progress).
