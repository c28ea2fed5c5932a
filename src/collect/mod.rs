//! Live collection: read a directory over LDAP, or a tenant over Microsoft Graph and Azure Resource
//! Manager, and write an archivable export that the readers read back identically (the consultant's
//! evidence), instead of asking the client for exports.

pub mod auth;
pub mod cloud;
pub mod graph;
pub mod http;
pub mod ldap;
pub mod manifest;
pub mod pages;
