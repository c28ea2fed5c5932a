//! Live collection: read a directory over LDAP and write an archivable export that the readers
//! read back identically (the consultant's evidence), instead of asking the client for exports.

pub mod ldap;
