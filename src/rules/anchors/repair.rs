//! Anchor repairs: the command that sets the computed anchor, and for a synchronised cloud twin the
//! documented re-anchoring procedure with its outage.

use super::s;
use crate::findings::Finding;
use crate::model::{AdObject, CloudObject};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Commands that set the computed anchor on the cloud object (Microsoft Graph PowerShell; Graph
/// permission User.ReadWrite.All).
pub(super) fn set_anchor_commands(c: &CloudObject, value: &str) -> Value {
    let id = c.id.clone().or_else(|| c.upn.clone()).unwrap_or_else(|| "<object id>".into());
    json!([format!("Update-MgUser -UserId {id} -OnPremisesImmutableId '{value}'")])
}

/// The case of an anchor repair: `synced` when the cloud twin is synchronised (Entra refuses a new
/// ImmutableId on it: re-anchoring procedure), else `cloud-managed` (set it directly).
pub fn twin_case(c: &CloudObject) -> &'static str {
    if c.on_prem_sync_enabled == Some(true) { "synced" } else { "cloud-managed" }
}

/// The documented re-anchoring procedure of a synchronised cloud user, in order, with its outage.
fn reanchor_steps(c: &CloudObject, ad: Option<&AdObject>, value: &str) -> Vec<String> {
    let id = c.id.clone().or_else(|| c.upn.clone()).unwrap_or_else(|| "<object id>".into());
    let ad = ad
        .map(|o| o.dn.as_deref().map(String::from).unwrap_or_else(|| o.label()))
        .unwrap_or_else(|| "the AD object".into());
    vec![
        "1. Prepare: record the user's licences, group memberships and roles; schedule the outage (from step 2 to \
         step 5 the user cannot sign in and mail and Teams are interrupted); keep the hard-match takeover block off \
         for this window (SY005)."
            .to_string(),
        format!(
            "2. Take {ad} out of sync scope (move it to an OU that is not synchronised, or filter it) and run a delta \
             sync (Start-ADSyncSyncCycle -PolicyType Delta): the cloud user is soft-deleted, not lost."
        ),
        format!(
            "3. Restore the cloud user from deleted users: Restore-MgDirectoryDeletedItem -DirectoryObjectId {id} \
             (Graph permission User.DeleteRestore.All); it comes back cloud-managed with its mailbox and licences. A user \
             whose UPN is in a federated domain must first get an onmicrosoft.com UPN."
        ),
        format!(
            "4. Set the anchor: Update-MgUser -UserId {id} -OnPremisesImmutableId '{value}' (Graph permission \
             User.ReadWrite.All)."
        ),
        format!(
            "5. Bring {ad} back into sync scope and run a delta sync: it hard-matches the restored user. Check sign-in, \
             mailbox and licences, then turn the takeover block back on."
        ),
    ]
}

/// Evidence of an anchor repair: the command, the case (`twin_state`), and for a synchronised twin the
/// ordered re-anchoring procedure (`steps`) with its outage.
pub(super) fn set_anchor_evidence(
    ev: &mut BTreeMap<String, Value>,
    c: &CloudObject,
    ad: Option<&AdObject>,
    value: &str,
) {
    let case = twin_case(c);
    ev.insert("twin_state".into(), s(case));
    ev.insert("commands".into(), set_anchor_commands(c, value));
    if case == "synced" {
        ev.insert("steps".into(), json!(reanchor_steps(c, ad, value)));
        ev.insert(
            "outage".into(),
            s("from the removal from sync scope to the hard match: no sign-in, mail and Teams interrupted"),
        );
    } else {
        ev.insert(
            "note".into(),
            s("the cloud user is cloud-managed: the command applies directly; the AD object then hard-matches at \
               the next sync unless hard-match takeover is blocked"),
        );
    }
}

/// Sets the remediation of an AN001–AN004 finding to the text of its case (`twin_state`).
pub(super) fn apply_case(f: &mut Finding) {
    let Some(case) = f.evidence.get_str("twin_state") else { return };
    if let Some(text) = crate::rules::catalog::get(&f.rule).and_then(|m| m.remediation_cases.get(&case)) {
        f.remediation = text.trim().to_string();
    }
}
