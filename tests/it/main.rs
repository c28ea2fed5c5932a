//! Integration tests: one binary, one module per area.

mod util;

mod accuracy;
mod anchors;
mod architecture;
mod catalog;
mod causes;
mod characters;
mod cli;
mod client_view;
mod collect_cloud;
mod collectors;
mod consistency;
mod credentials;
mod duplicates;
mod fix;
mod gate;
mod hostile;
mod html;
mod idfix;
mod ldap;
mod malformed;
mod messy;
mod msa;
mod preview;
mod pseudonymize;
mod realdata;
mod regression;
mod release;
mod remediation;
mod report;
mod roles;
mod rules;
mod samples;
mod sync;
mod tenants;
