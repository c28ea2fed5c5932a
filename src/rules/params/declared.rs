//! The parameters of every rule that has some, declared once: one struct per rule, a doc line per key.
//! The values are in the rule's `rule.toml` (`[params]`), never repeated here; `explain CODE` prints
//! these docs with the catalog's values.

use super::types::{BlankParam, CharSetParam, ScriptName, SignInError};
use super::{param_table, rule_params};

param_table! {
    /// CH001 `[params.scope]`: which AD objects Entra Connect would export (shared by the
    /// `characters` and `duplicates` families and the sync preview).
    SyncScopeParams ("a table of exact_names, name_prefixes and system_recipient_type_details") {
        /// Built-in account names skipped (compared case-insensitively with sAMAccountName and cn).
        exact_names: Vec<String>,
        /// Prefixes of service, system and health accounts skipped (case-insensitive).
        name_prefixes: Vec<String>,
        /// msExchRecipientTypeDetails values (decimal) of system recipients, skipped.
        system_recipient_type_details: Vec<i64>,
    }
}

param_table! {
    /// CH013 `[params.limits]`: maximum lengths of the name attributes.
    NameLimits ("a table of displayName, givenName and sn (non-negative integers)") {
        /// Longest displayName.
        display_name["displayName"]: usize,
        /// Longest givenName.
        given_name["givenName"]: usize,
        /// Longest sn.
        sn: usize,
    }
}

param_table! {
    /// IF001 `[params.sets.multi-tenant]`: the character sets of the Multi-Tenant rule set.
    MultiTenantSets ("a table of character sets ({ whitespace, chars }) by attribute") {
        /// userPrincipalName.
        user_principal_name["userPrincipalName"]: CharSetParam,
        /// sAMAccountName.
        sam_account_name["sAMAccountName"]: CharSetParam,
        /// proxyAddresses with the SMTP prefix.
        proxy_smtp["proxyAddresses:smtp"]: CharSetParam,
        /// proxyAddresses with the X400 prefix.
        proxy_x400["proxyAddresses:x400"]: CharSetParam,
        /// proxyAddresses with the X500 prefix.
        proxy_x500["proxyAddresses:x500"]: CharSetParam,
        /// proxyAddresses with another prefix.
        proxy_other["proxyAddresses:other"]: CharSetParam,
        /// targetAddress with the SMTP prefix.
        target_smtp["targetAddress:smtp"]: CharSetParam,
        /// targetAddress with another prefix.
        target_other["targetAddress:other"]: CharSetParam,
    }
}

param_table! {
    /// IF001 `[params.sets.dedicated]`: the character sets of the Dedicated rule set.
    DedicatedSets ("a table of character sets ({ whitespace, chars }) by attribute") {
        /// mail.
        mail: CharSetParam,
        /// mailNickname.
        mailnickname: CharSetParam,
    }
}

param_table! {
    /// IF001 `[params.sets]`: the character sets of both rule sets.
    IdfixSets ("a table of multi-tenant and dedicated character sets") {
        /// The Multi-Tenant rule set.
        multi_tenant["multi-tenant"]: MultiTenantSets,
        /// The Dedicated rule set.
        dedicated: DedicatedSets,
    }
}

param_table! {
    /// IF001 `[params.scope]`: object scope and skip rules of both IdFix rule sets.
    IdfixScopeParams ("a table of the IdFix scope and skip rules") {
        /// objectClass names in scope.
        classes: Vec<String>,
        /// The attribute Dedicated's filter requires (`mail`).
        dedicated_requires: String,
        /// A cn ending with this is skipped.
        cn_suffix: String,
        /// A cn starting with one of these (case-insensitive) is skipped.
        cn_prefixes: Vec<String>,
        /// A DN containing one of these (case-insensitive) is a replication conflict and is skipped.
        conflict_markers: Vec<String>,
        /// Multi-Tenant users: sAMAccountName prefixes skipped.
        user_sam_prefixes: Vec<String>,
        /// Multi-Tenant users: mailNickname prefixes skipped.
        user_mailnickname_prefixes: Vec<String>,
        /// Multi-Tenant users hidden from address lists whose displayName starts with this are skipped.
        user_hidden_displayname_prefix: String,
        /// Multi-Tenant users whose msExchRecipientTypeDetails text equals one of these are skipped.
        user_recipient_type_details: Vec<String>,
    }
}

param_table! {
    /// IF006 `[params.multi-tenant]`: maximum lengths (UTF-16 code units) of the Multi-Tenant rule set.
    MultiTenantLengths ("a table of maximum lengths by attribute") {
        /// displayName.
        display_name["displayName"]: usize,
        /// givenName.
        given_name["givenName"]: usize,
        /// mail.
        mail: usize,
        /// mailNickname.
        mailnickname: usize,
        /// Each proxyAddresses value.
        proxy_addresses["proxyAddresses"]: usize,
        /// sAMAccountName of users.
        sam_account_name["sAMAccountName"]: usize,
        /// sAMAccountName of other objects.
        sam_account_name_other["sAMAccountName:other"]: usize,
        /// targetAddress.
        target_address["targetAddress"]: usize,
        /// userPrincipalName.
        user_principal_name["userPrincipalName"]: usize,
    }
}

param_table! {
    /// IF006 `[params.dedicated]`: maximum lengths (UTF-16 code units) of the Dedicated rule set.
    DedicatedLengths ("a table of maximum lengths by attribute") {
        /// displayName.
        display_name["displayName"]: usize,
        /// mail.
        mail: usize,
        /// mailNickname.
        mailnickname: usize,
        /// Each proxyAddresses value.
        proxy_addresses["proxyAddresses"]: usize,
        /// targetAddress.
        target_address["targetAddress"]: usize,
    }
}

param_table! {
    /// IF008 `[params.multi-tenant]`: blank rules of the Multi-Tenant rule set.
    MultiTenantBlanks ("a table of blank rules ({ classes, unless }) by attribute") {
        /// displayName.
        display_name["displayName"]: BlankParam,
    }
}

param_table! {
    /// IF008 `[params.dedicated]`: blank rules of the Dedicated rule set and the lengths of their fixes.
    DedicatedBlanks ("a table of blank rules ({ classes, unless }) by attribute and fix lengths") {
        /// displayName.
        display_name["displayName"]: BlankParam,
        /// mailNickname.
        mailnickname: BlankParam,
        /// targetAddress.
        target_address["targetAddress"]: BlankParam,
        /// Longest displayName the fix proposes (from cn).
        display_name_fix_max["displayName_fix_max"]: usize,
        /// Longest targetAddress the fix proposes (from mail).
        target_address_fix_max["targetAddress_fix_max"]: usize,
    }
}

rule_params! {
    /// CH001 upn-missing: the sync scope, declared once for every rule that asks what would export.
    "CH001" ch001: Ch001 {
        /// Which AD objects Entra Connect would export: exact names, name prefixes and system
        /// recipient types skipped.
        scope: SyncScopeParams,
    }
    /// CH002 upn-invalid-characters.
    "CH002" ch002: Ch002 {
        /// Punctuation allowed in a UPN besides A–Z a–z 0–9 ('@' separates username and domain).
        allowed_punctuation: String,
        /// The set Microsoft documents as invalid (reported in evidence.documented_invalid).
        documented_invalid: String,
    }
    /// CH003 upn-malformed.
    "CH003" ch003: Ch003 {
        /// Characters a username (before '@') may not end with.
        username_bad_endings: String,
        /// Characters a username may not begin with.
        username_bad_leading: String,
    }
    /// CH004 upn-too-long.
    "CH004" ch004: Ch004 {
        /// Longest UPN, in characters.
        max_length: usize,
        /// Longest username (before '@').
        max_username: usize,
        /// Longest domain (after '@').
        max_domain: usize,
    }
    /// CH006 upn-suffix-not-routable (also read by DO006).
    "CH006" ch006: Ch006 {
        /// Top-level domains a misspelt one (not a public suffix, one edit away) is corrected to, in
        /// order of preference.
        typo_tlds: Vec<String>,
    }
    /// CH007 proxy-address-invalid.
    "CH007" ch007: Ch007 {
        /// Longest proxy address.
        max_length: usize,
        /// Invalid after the SMTP: prefix (besides whitespace and control characters).
        smtp_invalid: String,
        /// Invalid after other prefixes (SIP, EUM...).
        other_invalid: String,
        /// Types whose values may contain spaces, parentheses and apostrophes: only control characters
        /// are checked.
        control_characters_only_types: Vec<String>,
    }
    /// CH008 target-address-invalid.
    "CH008" ch008: Ch008 {
        /// Longest targetAddress.
        max_length: usize,
        /// Invalid characters.
        invalid: String,
    }
    /// CH009 mail-invalid.
    "CH009" ch009: Ch009 {
        /// Longest mail.
        max_length: usize,
        /// Invalid characters.
        invalid: String,
    }
    /// CH010 mail-nickname-invalid.
    "CH010" ch010: Ch010 {
        /// Longest mailNickname.
        max_length: usize,
        /// Punctuation allowed besides A–Z a–z 0–9.
        allowed_punctuation: String,
    }
    /// CH011 sam-account-name-invalid.
    "CH011" ch011: Ch011 {
        /// Longest sAMAccountName of a user.
        max_length_user: usize,
        /// Longest sAMAccountName of another object.
        max_length_other: usize,
        /// Invalid characters.
        invalid: String,
    }
    /// CH013 name-too-long.
    "CH013" ch013: Ch013 {
        /// Longest displayName, givenName and sn.
        limits: NameLimits,
    }
    /// CH016 mixed-script-confusable.
    "CH016" ch016: Ch016 {
        /// Scripts with look-alike letters (Unicode Script property full names).
        scripts: Vec<ScriptName>,
    }
    /// DD001 duplicate-unlinked-directories: evidence weights and caps of the tenant clustering.
    "DD001" dd001: Dd001 {
        /// Score at or above which two tenants are clustered.
        threshold: i64,
        /// Most subjects listed per evidence item.
        max_subjects_per_evidence: usize,
        /// A person, name or admin key shared by more objects than this is ignored (too common).
        max_objects_per_key: usize,
        /// A custom domain verified in one tenant and used or added in the other.
        weight_domain_verified_elsewhere: i64,
        /// One domain split across the tenants (verified in neither or both).
        weight_split_domain: i64,
        /// Per person (same UPN local part or name) in both tenants...
        weight_same_person: i64,
        /// ... up to this total.
        cap_same_people: i64,
        /// Per display name shared by members of both tenants...
        weight_same_name: i64,
        /// ... up to this total.
        cap_same_name: i64,
        /// The same admin in both tenants.
        weight_same_admin: i64,
        /// Similar tenant names (ignoring the words below).
        weight_similar_name: i64,
        /// Both tenants synchronised from the same forest.
        weight_same_forest: i64,
        /// Both tenants signed in by the same Azure account.
        weight_same_azure_account: i64,
        /// A Lighthouse delegation between the tenants.
        weight_lighthouse_delegation: i64,
        /// Per personal account that is a guest in both tenants...
        weight_same_personal_guest: i64,
        /// ... up to this total.
        cap_same_personal_guests: i64,
        /// Words ignored when comparing tenant names (case-insensitive).
        name_words_ignored: Vec<String>,
        /// Subscription quotaId prefixes that cannot change directory (case-insensitive).
        quota_ids_that_cannot_change_directory: Vec<String>,
    }
    /// DO005 domain-verified-elsewhere-used-in-tenant.
    "DO005" do005: Do005 {
        /// Most users listed as subjects of one finding.
        max_user_subjects: usize,
    }
    /// DO006 upn-suffix-not-verified-in-target-tenant.
    "DO006" do006: Do006 {
        /// Most objects listed as subjects of one finding.
        max_object_subjects: usize,
    }
    /// DO007 non-routable-upn-suffix.
    "DO007" do007: Do007 {
        /// Top-level domains that cannot be verified in any tenant (case-insensitive).
        non_routable_tlds: Vec<String>,
    }
    /// FE004 signing-certificate-expiring-without-successor.
    "FE004" fe004: Fe004 {
        /// Days before expiry from which a certificate without a successor is reported.
        window_days: i64,
        /// Days left at or under which the finding is critical.
        critical_within_days: i64,
    }
    /// FE010 federated-idp-mfa-enforced-by-idp.
    "FE010" fe010: Fe010 {
        /// federatedIdpMfaBehavior values that delegate MFA to the IdP (case-insensitive).
        delegating_behaviors: Vec<String>,
    }
    /// FE011 chained-claims-provider-omits-authentication-claims.
    "FE011" fe011: Fe011 {
        /// Relying-party identifiers that mean "Office 365" (case-insensitive).
        office365_identifiers: Vec<String>,
        /// Lower-case substrings of relying-party names that mean "Office 365".
        office365_names: Vec<String>,
        /// Claims the provider must let out; each entry lists accepted spellings (the first is reported).
        required_claims: Vec<Vec<String>>,
    }
    /// FE012 social-identity-provider-chained-for-office365.
    "FE012" fe012: Fe012 {
        /// Hosts (and their subdomains) of consumer identity providers.
        social_idp_domains: Vec<String>,
        /// Substrings of a URL that mean a consumer provider.
        social_idp_markers: Vec<String>,
        /// Substrings that mean an organisation's IdP hosted by the same company.
        enterprise_markers: Vec<String>,
    }
    /// FE013 external-identity-linked-to-several-ad-accounts (FE014 uses the same list).
    "FE013" fe013: Fe013 {
        /// AD attributes used as account links (LDAP names, any case).
        link_attributes: Vec<String>,
    }
    /// IF001 idfix-character: character sets, and the scope of both IdFix rule sets.
    "IF001" if001: If001 {
        /// Character sets by rule set and attribute.
        sets: IdfixSets,
        /// Object scope and skip rules of both rule sets (shared by IF001-IF008).
        scope: IdfixScopeParams,
    }
    /// IF003 idfix-top-level-domain.
    "IF003" if003: If003 {
        /// IdFix's frozen list of top-level domains (with the leading period).
        tlds: Vec<String>,
    }
    /// IF004 idfix-domain-part.
    "IF004" if004: If004 {
        /// Characters of a domain label.
        label_chars: String,
        /// Characters allowed inside a label but not at its ends.
        label_inner_chars: String,
        /// Characters of the final label.
        tld_chars: String,
        /// Shortest final label.
        tld_min: usize,
        /// Longest final label.
        tld_max: usize,
        /// Characters the DomainPart fix keeps.
        fix_keep: String,
    }
    /// IF005 idfix-local-part.
    "IF005" if005: If005 {
        /// Dot-atom characters of the local part.
        atom_chars: String,
    }
    /// IF006 idfix-length.
    "IF006" if006: If006 {
        /// Maximum lengths of the Multi-Tenant rule set.
        multi_tenant["multi-tenant"]: MultiTenantLengths,
        /// Maximum lengths of the Dedicated rule set.
        dedicated: DedicatedLengths,
    }
    /// IF008 idfix-blank.
    "IF008" if008: If008 {
        /// Blank rules of the Multi-Tenant rule set.
        multi_tenant["multi-tenant"]: MultiTenantBlanks,
        /// Blank rules of the Dedicated rule set.
        dedicated: DedicatedBlanks,
    }
    /// MS001 personal-account-in-several-tenants.
    "MS001" ms001: Ms001 {
        /// A personal account present in at least this many distinct tenants (at least 2) is reported.
        min_tenants: usize,
        /// Errors users of the account will meet when an app signs in through `common`.
        errors: Vec<SignInError>,
    }
    /// MS002 personal-account-holds-directory-role.
    "MS002" ms002: Ms002 {
        /// Roles that give control of the whole tenant: a personal account holding one is critical.
        critical_roles: Vec<String>,
        /// Roles that grant no administrative power; a personal account holding only these is not reported.
        non_admin_roles: Vec<String>,
    }
    /// MS006 app-admits-accounts-of-any-tenant.
    "MS006" ms006: Ms006 {
        /// signInAudience values reported.
        audiences: Vec<String>,
        /// The audiences that admit personal accounts.
        personal_audiences: Vec<String>,
        /// The app findings are raised only when one of these rules found an ambiguity in the same estate.
        when_rules_fired: Vec<String>,
        /// The tenant id of the consumer (personal account) "tenant".
        consumer_tenant_id: String,
    }
    /// SU002 subscription-in-duplicate-directory.
    "SU002" su002: Su002 {
        /// Subscription quotaId prefixes that cannot change directory (case-insensitive).
        quota_ids_that_cannot_change_directory: Vec<String>,
    }
    /// SU004 legacy-aad-subscription.
    "SU004" su004: Su004 {
        /// Legacy quotaIds reported (case-insensitive).
        quota_ids: Vec<String>,
    }
    /// SU005 subscription-not-active.
    "SU005" su005: Su005 {
        /// Subscription states reported (case-insensitive).
        states: Vec<String>,
    }
    /// SY001 directory-sync-stale.
    "SY001" sy001: Sy001 {
        /// Days since the last sync after which the tenant is reported.
        max_age_days: i64,
        /// Days after which the finding is high.
        high_after_days: i64,
    }
    /// SY002 cloud-only-object-will-be-soft-matched.
    "SY002" sy002: Sy002 {
        /// Days before the tenant's data date within which a cloud-only account (and its AD twin) counts as a
        /// new starter's: the soft match is then the intended onboarding path (low, confirm intent).
        new_starter_days: i64,
    }
    /// SY006 upn-quarantined-by-duplicate-resiliency.
    "SY006" sy006: Sy006 {
        /// Digits Entra ID appends to the prefix of a quarantined UPN.
        suffix_digits: usize,
    }
}
