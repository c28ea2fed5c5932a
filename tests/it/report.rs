//! The JSON report contract on a small estate built in the test.
