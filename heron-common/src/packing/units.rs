//! Java's number rules that packing results depend on: `Math.round`, `ByteAmount` sizes.

/// Java's `Math.round(double)`: the nearest integer, halves rounded up (towards +∞), saturating
/// at the `i64` range, NaN giving 0.
pub(crate) fn java_round(value: f64) -> i64 {
    if value.is_nan() {
        return 0;
    }
    let floor = value.floor();
    // `value - floor` is exact for doubles, so 0.49999999999999994 stays below one half.
    let rounded = if value - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    };
    rounded as i64
}

/// Bytes to whole MiB, rounded as Heron's `ByteAmount.asMegabytes`.
pub(crate) fn as_megabytes(bytes: i64) -> i64 {
    java_round(bytes as f64 / super::MIB as f64)
}

/// A byte count for people: `4.0 GB (4294967296 bytes)`, with Heron's unit choice (the largest of
/// GB, MB, KB that rounds to at least 1; units are powers of 1024).
pub fn format_bytes(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let value = bytes as f64;
    if java_round(value / (KB * KB * KB)) > 0 {
        format!("{:.1} GB ({bytes} bytes)", value / (KB * KB * KB))
    } else if java_round(value / (KB * KB)) > 0 {
        format!("{:.1} MB ({bytes} bytes)", value / (KB * KB))
    } else if java_round(value / KB) > 0 {
        format!("{:.1} KB ({bytes} bytes)", value / KB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_java() {
        assert_eq!(java_round(2.5), 3);
        assert_eq!(java_round(-2.5), -2);
        assert_eq!(java_round(2.4999), 2);
        assert_eq!(java_round(0.49999999999999994), 0);
        assert_eq!(java_round(f64::NAN), 0);
        assert_eq!(java_round(1e300), i64::MAX);
    }

    #[test]
    fn formats_bytes() {
        assert_eq!(format_bytes(4 * (1 << 30)), "4.0 GB (4294967296 bytes)");
        assert_eq!(format_bytes(3 << 29), "1.5 GB (1610612736 bytes)");
        assert_eq!(format_bytes(16 << 20), "16.0 MB (16777216 bytes)");
        assert_eq!(format_bytes(2048), "2.0 KB (2048 bytes)");
        assert_eq!(format_bytes(100), "100 bytes");
        assert_eq!(as_megabytes(7168 << 20), 7168);
    }
}
