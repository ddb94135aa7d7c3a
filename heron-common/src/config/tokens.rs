//! `${...}` token substitution as Heron's `TokenSub` does it (heron-aurora.md §3.9).
