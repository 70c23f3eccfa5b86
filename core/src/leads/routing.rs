//! Lead routing, pure (so the server can route web leads with the same rules later): ordered rules
//! narrow the reps who may take a lead (make or model of interest, language, channel, territory,
//! new or used), then a distribution picks one (round robin, fewest open leads, or the up
//! rotation), among reps who are working now and available. Every assignment says why. A lead
//! not answered by its first-response deadline goes to the next rep.

use crate::domain::Channel;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// What a rule can look at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct LeadFacts {
    pub make: String,
    pub model: String,
    /// BCP 47, e.g. `es`.
    pub language: String,
    pub channel: Option<Channel>,
    /// Postal code of the customer.
    pub postal_code: String,
    /// `new` or `used`, when the interest says.
    pub condition: String,
}

/// One rule: when every given condition holds, only `reps` may take the lead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Rule {
    pub name: String,
    pub make: Option<String>,
    pub model: Option<String>,
    pub language: Option<String>,
    pub channel: Option<Channel>,
    /// Postal code prefixes, e.g. `787`.
    pub territory: Vec<String>,
    pub condition: Option<String>,
    pub reps: Vec<Uuid>,
}

impl Rule {
    pub fn matches(&self, f: &LeadFacts) -> bool {
        let same =
            |want: &Option<String>, have: &str| want.as_ref().is_none_or(|w| w.eq_ignore_ascii_case(have.trim()));
        same(&self.make, &f.make)
            && same(&self.model, &f.model)
            && self.language.as_ref().is_none_or(|l| f.language.to_lowercase().starts_with(&l.to_lowercase()))
            && self.channel.is_none_or(|c| Some(c) == f.channel)
            && (self.territory.is_empty()
                || self.territory.iter().any(|t| f.postal_code.trim().starts_with(t.as_str())))
            && same(&self.condition, &f.condition)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    RoundRobin,
    FewestOpen,
    UpRotation,
}

/// A rep as routing sees them right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RepState {
    pub id: Uuid,
    pub name: String,
    /// Within working hours and not marked away.
    pub available: bool,
    #[ts(type = "number")]
    pub open_leads: i64,
    /// When they last got a lead (ms since the epoch); round robin picks the longest wait.
    #[ts(type = "number")]
    pub last_assigned_ms: i64,
    /// Position in the up rotation (lower goes first), when checked in.
    pub up_position: Option<i32>,
    /// Reps with overdue follow-ups are skipped in the up rotation.
    pub overdue_followups: bool,
}

impl RepState {
    /// A rep as routing sees them now: `working` (within working hours), `checkin` today's
    /// check-in when there is one (its up position; `None` inside when checked out, which means
    /// away whatever the hours say).
    pub fn at(
        id: Uuid,
        name: String,
        working: bool,
        open_leads: i64,
        last_assigned_ms: i64,
        checkin: Option<Option<i32>>,
        overdue_followups: bool,
    ) -> RepState {
        let away = matches!(checkin, Some(None));
        RepState {
            id,
            name,
            available: !away && working,
            open_leads,
            last_assigned_ms,
            up_position: checkin.flatten(),
            overdue_followups,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Assignment {
    pub rep: Uuid,
    /// "Rule Spanish speakers; round robin: waited longest".
    pub reason: String,
}

/// Picks the rep for a lead, or says why nobody can take it.
pub fn route(
    facts: &LeadFacts,
    rules: &[Rule],
    reps: &[RepState],
    how: Distribution,
    exclude: &[Uuid],
) -> Result<Assignment, String> {
    let rule = rules.iter().find(|r| r.matches(facts));
    let pool: Vec<&RepState> = reps
        .iter()
        .filter(|r| r.available && !exclude.contains(&r.id))
        .filter(|r| rule.is_none_or(|rule| rule.reps.is_empty() || rule.reps.contains(&r.id)))
        .collect();
    let why_rule = rule.map(|r| format!("rule {:?}", r.name)).unwrap_or_else(|| "no rule applies".into());
    if pool.is_empty() {
        return Err(format!("{why_rule}; no rep of it is available now"));
    }
    let pick = match how {
        Distribution::RoundRobin => pool
            .iter()
            .min_by_key(|r| (r.last_assigned_ms, r.id))
            .map(|r| (r, "round robin: waited longest".to_string())),
        Distribution::FewestOpen => pool
            .iter()
            .min_by_key(|r| (r.open_leads, r.last_assigned_ms, r.id))
            .map(|r| (r, format!("fewest open leads ({})", r.open_leads))),
        Distribution::UpRotation => pool
            .iter()
            .filter(|r| r.up_position.is_some() && !r.overdue_followups)
            .min_by_key(|r| (r.up_position, r.id))
            .map(|r| (r, "next up in the rotation".to_string())),
    };
    match pick {
        Some((r, why)) => Ok(Assignment { rep: r.id, reason: format!("{why_rule}; {why}: {}", r.name) }),
        None => Err(format!("{why_rule}; nobody checked in is up (reps with overdue follow-ups are skipped)")),
    }
}

/// The up rotation after `taken`'s up: they go to the back.
pub fn after_up(reps: &mut [RepState], taken: Uuid) {
    let back = reps.iter().filter_map(|r| r.up_position).max().unwrap_or(0) + 1;
    if let Some(r) = reps.iter_mut().find(|r| r.id == taken && r.up_position.is_some()) {
        r.up_position = Some(back);
    }
}

/// Whether a lead assigned at `assigned_ms` and not answered has passed its first-response
/// deadline (`minutes`) at `now_ms`: then it is routed again, excluding who had it.
pub fn overdue(assigned_ms: i64, first_response: bool, minutes: i64, now_ms: i64) -> bool {
    !first_response && now_ms - assigned_ms > minutes * 60_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(n: u128, available: bool) -> RepState {
        RepState {
            id: Uuid::from_u128(n),
            name: format!("Rep {n}"),
            available,
            open_leads: 0,
            last_assigned_ms: 0,
            up_position: Some(n as i32),
            overdue_followups: false,
        }
    }

    #[test]
    fn round_robin_over_a_thousand_leads_is_even_within_one() {
        let mut reps: Vec<RepState> = (1..=7).map(|n| rep(n, n != 4)).collect(); // rep 4 is off today
        let mut counts = std::collections::HashMap::new();
        for i in 0..1000i64 {
            let a = route(&LeadFacts::default(), &[], &reps, Distribution::RoundRobin, &[]).unwrap();
            *counts.entry(a.rep).or_insert(0) += 1;
            let r = reps.iter_mut().find(|r| r.id == a.rep).unwrap();
            r.last_assigned_ms = i + 1;
        }
        assert!(!counts.contains_key(&Uuid::from_u128(4)), "an unavailable rep gets nothing");
        assert_eq!(counts.len(), 6);
        let (min, max) = (counts.values().min().unwrap(), counts.values().max().unwrap());
        assert!(max - min <= 1, "{counts:?}");
    }

    #[test]
    fn rules_narrow_the_pool_and_say_why() {
        let reps: Vec<RepState> = (1..=3).map(|n| rep(n, true)).collect();
        let rules = vec![
            Rule {
                name: "Spanish speakers".into(),
                language: Some("es".into()),
                reps: vec![Uuid::from_u128(2)],
                ..Default::default()
            },
            Rule {
                name: "Fleet trucks".into(),
                make: Some("Ford".into()),
                model: Some("F-150".into()),
                reps: vec![Uuid::from_u128(3)],
                ..Default::default()
            },
        ];
        let es = LeadFacts { language: "es-MX".into(), ..Default::default() };
        let a = route(&es, &rules, &reps, Distribution::FewestOpen, &[]).unwrap();
        assert_eq!(a.rep, Uuid::from_u128(2));
        assert!(a.reason.starts_with("rule \"Spanish speakers\"; fewest open leads"), "{}", a.reason);
        let truck = LeadFacts { make: "ford".into(), model: "F-150".into(), ..Default::default() };
        assert_eq!(route(&truck, &rules, &reps, Distribution::RoundRobin, &[]).unwrap().rep, Uuid::from_u128(3));
        // Nobody of the rule available: a clear reason.
        let err = route(&truck, &rules, &reps, Distribution::RoundRobin, &[Uuid::from_u128(3)]).unwrap_err();
        assert!(err.contains("Fleet trucks") && err.contains("no rep"), "{err}");
        assert!(overdue(0, false, 5, 6 * 60_000));
        assert!(!overdue(0, true, 5, 6 * 60_000));
    }

    #[test]
    fn the_up_rotation_skips_overdue_reps_and_sends_the_taker_to_the_back() {
        let mut reps: Vec<RepState> = (1..=3).map(|n| rep(n, true)).collect();
        reps[0].overdue_followups = true;
        let a = route(&LeadFacts::default(), &[], &reps, Distribution::UpRotation, &[]).unwrap();
        assert_eq!(a.rep, Uuid::from_u128(2), "rep 1 has overdue follow-ups");
        after_up(&mut reps, a.rep);
        let b = route(&LeadFacts::default(), &[], &reps, Distribution::UpRotation, &[]).unwrap();
        assert_eq!(b.rep, Uuid::from_u128(3));
        reps.iter_mut().for_each(|r| r.up_position = None);
        assert!(
            route(&LeadFacts::default(), &[], &reps, Distribution::UpRotation, &[]).unwrap_err().contains("checked in")
        );
    }
}
