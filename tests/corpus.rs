//! Golden corpus: every corpus/*.lw compiled for its targets and compared with its expected listing.
