//! RoundRobin packing (being written).
