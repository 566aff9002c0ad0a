//! Deciding a batch of scans under the compound's policy, in the writer's transaction.

use super::*;

/// Decides a batch and writes its scans, quota counts, rollups and fever alerts in `tx`.
pub(super) async fn decide_batch(
    app: &App,
    cache: &GateCache,
    batch: &[Job],
    tx: &mut impl Statements,
) -> Result<Vec<Result<ScanOutcome>>> {
    let now = app.clock.now_ms();
    let ids: Vec<String> = batch.iter().map(|j| j.id.clone()).collect();
    let gates = &cache.gates;
    let pass_ids: Vec<String> = batch
        .iter()
        .filter_map(|j| j.pass_id.clone())
        .filter(|p| !p.is_empty())
        .collect();
    let codes: Vec<String> = batch.iter().filter_map(|j| j.code.clone()).collect();
    let found = store::passes_by(tx, &pass_ids, &codes).await?;
    let by_id: HashMap<&str, &store::PassRow> = found.iter().map(|p| (p.id.as_str(), p)).collect();
    let by_code: HashMap<&str, &store::PassRow> =
        found.iter().map(|p| (p.code.as_str(), p)).collect();
    let households: Vec<String> = found
        .iter()
        .map(|p| p.household_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    // Another node's writer may be deciding the same scan id or the same households right now:
    // take turns on them before reading what was recorded and counted, so the same id is
    // recorded once and a quota is never spent twice.
    let keys: Vec<String> = ids
        .iter()
        .map(|id| format!("scan:{id}"))
        .chain(households.iter().map(|h| format!("household-exits:{h}")))
        .collect();
    tx.lock_keys(&keys).await?;
    let mut known: HashMap<String, ScanOutcome> = store::recorded_scans(tx, &ids)
        .await?
        .into_iter()
        .map(|(id, decision, reason, flagged)| {
            (
                id.clone(),
                ScanOutcome {
                    id,
                    decision,
                    reason,
                    flagged,
                    repeated: true,
                    ..Default::default()
                },
            )
        })
        .collect();
    let mut isolated = sanshe_store::isolation::open_in_households(tx, &households).await?;
    // Close contacts are suspended for the 14 days of observation even where no episode was opened.
    let since = (app.today() - Duration::days(sanshe_core::isolation::OBSERVATION_DAYS))
        .format("%Y-%m-%d")
        .to_string();
    isolated.extend(sanshe_store::contacts::recent_in_households(tx, &households, &since).await?);
    let mut exits: HashMap<(String, String), i64> = store::household_exits(tx, &households)
        .await?
        .into_iter()
        .map(|(h, p, n)| ((h, p), n))
        .collect();
    let policies = &cache.policies;

    let local_now = local_time(now);
    let mut out = Vec::with_capacity(batch.len());
    let mut scans: Vec<NewScan> = Vec::new();
    let mut new_exits: HashMap<(String, String), i64> = HashMap::new();
    let mut hours: HashMap<(String, i64), HourCounts> = HashMap::new();
    let mut refusals: HashMap<(String, String, &'static str), (String, i64)> = HashMap::new();
    // (gate, path, scan id, the pass's household, the reading in words).
    let mut fevers: Vec<(String, String, String, Option<String>, String)> = Vec::new();
    for job in batch {
        if let Some(first) = known.get(&job.id) {
            out.push(Ok(ScanOutcome {
                repeated: true,
                ..first.clone()
            }));
            continue;
        }
        let Some(gate) = gates.get(&job.gate_id).filter(|g| {
            job.scope.contains(&g.area_path)
                || job
                    .duty
                    .iter()
                    .any(|d| d.gate_id == g.id && d.covers(job.scanned_at))
        }) else {
            out.push(Err(AppError::field("gate_id", "err-gate-not-found")));
            continue;
        };
        let policy = policies.get(&gate.compound_id).copied().unwrap_or_default();
        let local = local_time(job.scanned_at);
        let pass = match (&job.pass_id, &job.code) {
            (Some(id), _) => by_id.get(id.as_str()).copied(),
            (None, Some(c)) => by_code.get(c.as_str()).copied(),
            _ => None,
        };
        // NaiveDate's Display is YYYY-MM-DD, without parsing a format string per scan.
        let period = policy.period_start(local).to_string();
        // The period the scan reached the server in. Each allowed exit counts in both: a scan
        // queued offline with an old time (or a made-up one) cannot reopen a past period's
        // quota, because the period it arrives in has to have room too.
        let arrived = format!("{ARRIVAL_PREFIX}{}", policy.period_start(local_now));
        let date = local.date().to_string();
        let state = pass.map(|p| {
            let key = (p.household_id.clone(), period.clone());
            let arrival = (p.household_id.clone(), arrived.clone());
            PassState {
                same_compound: p.compound_id == gate.compound_id,
                revoked: p.revoked_at.is_some(),
                valid_on_date: p.valid_from <= date && date <= p.valid_to,
                suspended: isolated.iter().any(|(h, r)| {
                    *h == p.household_id && p.resident_id.as_ref().is_none_or(|holder| holder == r)
                }),
                exits_in_period: exits
                    .get(&key)
                    .copied()
                    .unwrap_or(0)
                    .max(exits.get(&arrival).copied().unwrap_or(0)),
            }
        });
        let fever = job.temperature.is_fever(app.rules.fever_tenths);
        let verdict = decide(state, &policy, job.direction, local, fever);
        let hour_start = utc_ms(
            local
                .date()
                .and_hms_opt(local.hour(), 0, 0)
                .unwrap_or_default(),
        );
        let counts = hours
            .entry((gate.id.clone(), hour_start))
            .or_insert_with(|| HourCounts {
                gate_id: gate.id.clone(),
                hour_start,
                day: date.clone(),
                area_path: gate.area_path.clone(),
                ..Default::default()
            });
        match verdict {
            Ok(()) => {
                if job.direction == Direction::Out {
                    counts.exits += 1;
                    if let Some(p) = pass {
                        for counted in [&period, &arrived] {
                            let key = (p.household_id.clone(), counted.clone());
                            *exits.entry(key.clone()).or_insert(0) += 1;
                            *new_exits.entry(key).or_insert(0) += 1;
                        }
                    }
                } else {
                    counts.entries += 1;
                }
            }
            Err(reason) => {
                counts.refused += 1;
                refusals
                    .entry((gate.id.clone(), date.clone(), reason.as_str()))
                    .or_insert((gate.area_path.clone(), 0))
                    .1 += 1;
                if reason == Refusal::Fever {
                    let reading = format!(
                        "{} {} {}℃",
                        gate.name,
                        local.format("%m-%d %H:%M"),
                        sanshe_core::isolation::format_tenths(job.temperature.tenths())
                    );
                    let household = pass.map(|p| p.household_id.clone());
                    fevers.push((
                        gate.id.clone(),
                        gate.area_path.clone(),
                        job.id.clone(),
                        household,
                        reading,
                    ));
                }
            }
        }
        let (decision, reason) = match verdict {
            Ok(()) => ("allowed", None),
            Err(r) => ("refused", Some(r.as_str())),
        };
        let flagged = decision == "refused" && job.device_decision.as_deref() == Some("allowed");
        scans.push(NewScan {
            id: job.id.clone(),
            gate_id: gate.id.clone(),
            pass_id: pass.map(|p| p.id.clone()),
            household_id: pass.map(|p| p.household_id.clone()),
            area_path: gate.area_path.clone(),
            direction: job.direction.as_str(),
            temperature: Some(job.temperature.tenths()),
            scanned_at: job.scanned_at,
            decision,
            reason,
            device_decision: job.device_decision.clone(),
            flagged,
            recorded_by: job.recorded_by.clone(),
        });
        let outings_left = pass.filter(|_| policy.exits_per_period > 0).map(|p| {
            let used = [&period, &arrived]
                .iter()
                .map(|counted| {
                    exits
                        .get(&(p.household_id.clone(), (*counted).clone()))
                        .copied()
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0);
            (policy.exits_per_period - used).max(0)
        });
        let outcome = ScanOutcome {
            id: job.id.clone(),
            decision: decision.into(),
            reason: reason.map(String::from),
            flagged,
            repeated: false,
            address: pass.map(|p| {
                HouseholdAddress {
                    building: p.building.clone(),
                    unit: p.unit.clone(),
                    room: p.room.clone(),
                }
                .masked_label()
            }),
            holder: pass.and_then(|p| p.resident_name.as_deref().map(crate::isolation::mask_name)),
            outings_left,
        };
        // The same id twice in one batch records once, like a retry.
        known.insert(
            job.id.clone(),
            ScanOutcome {
                repeated: true,
                ..outcome.clone()
            },
        );
        out.push(Ok(outcome));
    }
    store::insert_scans(tx, &scans, now).await?;
    let exit_rows: Vec<(String, String, i64)> =
        new_exits.into_iter().map(|((h, p), n)| (h, p, n)).collect();
    store::add_exits(tx, &exit_rows).await?;
    let hour_rows: Vec<HourCounts> = hours.into_values().collect();
    store::add_hours(tx, &hour_rows).await?;
    let refusal_rows: Vec<(String, String, &'static str, String, i64)> = refusals
        .into_iter()
        .map(|((g, d, r), (p, n))| (g, d, r, p, n))
        .collect();
    store::add_refusals(tx, &refusal_rows).await?;
    if !fevers.is_empty() {
        let routes = Routes::load(tx).await?;
        for (gate_id, path, scan_id, household, reading) in &fevers {
            // One alert per household, whoever of it had the fever and at whichever gate, so
            // its readings are one story; a code without a household stays the gate's.
            let (subject_kind, subject_id) = match household {
                Some(h) => (AlertSubject::Household, h.as_str()),
                None => (AlertSubject::Gate, gate_id.as_str()),
            };
            alerts::raise(
                tx,
                &routes,
                Trouble {
                    kind: AlertKind::GateFever,
                    area_path: path,
                    subject_kind,
                    subject_id,
                    event: scan_id,
                    detail: reading,
                },
                now,
            )
            .await?;
        }
    }
    Ok(out)
}
