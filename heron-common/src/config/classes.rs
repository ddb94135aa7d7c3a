//! Heron's Java class names, accepted as names of our backends.
//!
//! Both `org.apache.heron.*` and the older `com.twitter.heron.*` spellings are accepted, as are our
//! short names (`zookeeper`, `localfs`, `s3`, ...).
