//! `site.unreachable`: failure rate of availability probes over the last days.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::super::model::Severity;
use super::super::ruleset::RuleSet;
use super::{Assessment, Status, judgement};

/// One availability probe of a site's home page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// When it ran.
    pub at: DateTime<Utc>,
    /// The home page answered correctly.
    pub ok: bool,
}

impl RuleSet {
    /// Judges availability over the `window_days` before `now`. Every 24-hour slice
    /// needs `min_probes_per_day` probes, else the answer is “insufficient data”
    /// (a monitor that was down must not make a site fail).
    pub fn judge_availability(&self, probes: &[Probe], now: DateTime<Utc>) -> Assessment {
        let Some(c) = &self.judges.availability else {
            return Assessment::disabled("site.unreachable");
        };
        let rule = &self.rules[c.rule];
        let days = c.p.window_days as usize;
        let mut per_day = vec![(0u32, 0u32); days]; // (total, failures), index 0 = last 24 h
        for p in probes {
            let age = now - p.at;
            if age < Duration::zero() {
                continue;
            }
            let slot = (age.num_seconds() / 86_400) as usize;
            if slot < days {
                per_day[slot].0 += 1;
                per_day[slot].1 += u32::from(!p.ok);
            }
        }
        let short: Vec<String> = per_day
            .iter()
            .enumerate()
            .filter(|(_, (n, _))| *n < c.p.min_probes_per_day)
            .map(|(i, (n, _))| format!("前第 {} 天 {n} 次", i + 1))
            .collect();
        if !short.is_empty() {
            return Assessment {
                rule_id: rule.id.clone(),
                status: Status::InsufficientData,
                judgements: vec![],
                detail: format!(
                    "监测数据不足，每天至少需要 {} 次：{}",
                    c.p.min_probes_per_day,
                    short.join("，")
                ),
            };
        }
        let total: u32 = per_day.iter().map(|d| d.0).sum();
        let failures: u32 = per_day.iter().map(|d| d.1).sum();
        let rate = f64::from(failures) / f64::from(total.max(1));
        let severity = if rate >= c.p.veto_failure_rate {
            Severity::Veto
        } else if rate >= c.p.warn_failure_rate {
            Severity::Warn
        } else {
            return Assessment::from_judgements(
                &rule.id,
                vec![],
                &format!("失败率 {:.1}%", rate * 100.0),
            );
        };
        let j = judgement(
            rule,
            severity,
            0.0,
            "availability",
            &[
                ("days", &days.to_string()),
                ("total", &total.to_string()),
                ("failures", &failures.to_string()),
                ("rate", &format!("{:.1}%", rate * 100.0)),
            ],
        );
        Assessment::from_judgements(&rule.id, vec![j], "")
    }
}
