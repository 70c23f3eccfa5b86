//! The demo dealership: a deterministic generator of a plausible store (users, pipeline, inventory,
//! customers with leads, opportunities, activities and interactions over the last 18 months).
//! The same seed gives the same people, vehicles and history; dates are relative to `now` so the
//! Today screen always has something due. The benchmark uses it at 100k-customer scale.

use crate::domain::validate::normalize_phone;
use crate::domain::*;
use crate::error::{CoreError, Result};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    pub vehicles: usize,
    pub reps: usize,
    pub customers: usize,
    pub leads: usize,
    pub opportunities: usize,
    pub activities: usize,
    pub interactions: usize,
    /// How far back the history goes.
    pub days: i64,
}

impl DemoSize {
    /// The demo dealership of the first-run screen and `showroom demo`.
    pub const DEMO: DemoSize = DemoSize {
        vehicles: 300,
        reps: 8,
        customers: 2_400,
        leads: 2_900,
        opportunities: 1_500,
        activities: 4_500,
        interactions: 14_000,
        days: 548,
    };
}

/// What a load created.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct DemoSummary {
    pub users: i64,
    pub vehicles: i64,
    pub customers: i64,
    pub leads: i64,
    pub opportunities: i64,
    pub activities: i64,
    pub interactions: i64,
}

const FIRST: &[&str] = &[
    "James",
    "Maria",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Patricia",
    "William",
    "Elizabeth",
    "Jose",
    "Ana",
    "Luis",
    "Sofia",
    "Carlos",
    "Lucia",
    "Juan",
    "Camila",
    "Wei",
    "Mei",
    "Hiroshi",
    "Yuki",
    "Minh",
    "Linh",
    "Priya",
    "Arjun",
    "Aisha",
    "Omar",
    "Fatima",
    "Kwame",
    "Amara",
    "Olga",
    "Dmitri",
    "Chloé",
    "François",
    "Zoë",
    "Björn",
    "Ingrid",
    "Sean",
    "Siobhan",
    "Tyler",
    "Brittany",
    "Kevin",
    "Ashley",
    "Brandon",
    "Megan",
    "Jordan",
    "Taylor",
    "Marcus",
    "Keisha",
    "Andre",
    "Jasmine",
    "Ethan",
    "Olivia",
    "Noah",
    "Emma",
    "Liam",
    "Ava",
    "Mason",
    "Isabella",
    "Logan",
    "Mia",
    "Lucas",
    "Harper",
    "Grace",
    "Henry",
    "Nora",
    "Samuel",
    "Leah",
    "Daniel",
    "Ruth",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Chen",
    "Wang",
    "Kim",
    "Patel",
    "Singh",
    "Okafor",
    "Mensah",
    "Ivanova",
    "Müller",
    "Dubois",
    "O'Brien",
    "Núñez",
    "Peña",
    "Tanaka",
    "Sato",
    "Tran",
    "Khan",
    "Cohen",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Austin", "TX", "787"),
    ("Round Rock", "TX", "786"),
    ("Cedar Park", "TX", "786"),
    ("Pflugerville", "TX", "786"),
    ("Georgetown", "TX", "786"),
    ("San Marcos", "TX", "786"),
    ("Kyle", "TX", "786"),
    ("Leander", "TX", "786"),
];
const STREETS: &[&str] =
    &["Oak", "Cedar", "Maple", "Pecan", "Lamar", "Congress", "Riverside", "Mesa", "Bluebonnet", "Hill Country"];
const AREA_CODES: &[&str] = &["512", "737", "254", "830"];

/// (make, model, body, base MSRP in dollars, WMI)
const MODELS: &[(&str, &str, &str, i64, &str)] = &[
    ("Toyota", "Camry", "Sedan", 28_400, "4T1"),
    ("Toyota", "RAV4", "SUV", 31_000, "2T3"),
    ("Toyota", "Tacoma", "Pickup", 33_500, "3TM"),
    ("Toyota", "Highlander", "SUV", 40_300, "5TD"),
    ("Honda", "Civic", "Sedan", 24_650, "2HG"),
    ("Honda", "CR-V", "SUV", 30_850, "2HK"),
    ("Honda", "Odyssey", "Minivan", 39_300, "5FN"),
    ("Ford", "F-150", "Pickup", 38_800, "1FT"),
    ("Ford", "Escape", "SUV", 29_500, "1FM"),
    ("Ford", "Mustang Mach-E", "SUV", 42_995, "3FM"),
    ("Chevrolet", "Silverado 1500", "Pickup", 37_600, "1GC"),
    ("Chevrolet", "Equinox", "SUV", 28_600, "3GN"),
    ("Chevrolet", "Malibu", "Sedan", 25_100, "1G1"),
    ("Hyundai", "Tucson", "SUV", 28_705, "5NM"),
    ("Hyundai", "Ioniq 5", "SUV", 42_600, "KM8"),
    ("Kia", "Telluride", "SUV", 36_190, "5XY"),
    ("Nissan", "Rogue", "SUV", 29_230, "JN8"),
    ("Subaru", "Outback", "Wagon", 30_095, "4S4"),
    ("Tesla", "Model Y", "SUV", 44_990, "7SA"),
    ("Jeep", "Grand Cherokee", "SUV", 39_995, "1C4"),
];
const TRIMS: &[&str] = &["Base", "S", "SE", "LE", "XLE", "Sport", "Limited", "Touring", "EX-L", "Premium"];
const COLOURS: &[&str] = &["Black", "White", "Silver", "Gray", "Blue", "Red", "Green", "Pearl White", "Magnetic Gray"];
const LOCATIONS: &[&str] = &["Front line", "Lot A", "Lot B", "Lot C", "Service bay", "Off-site storage"];
const SUMMARIES: &[(InteractionChannel, Direction, &str)] = &[
    (InteractionChannel::Call, Direction::Outbound, "Called to follow up on the {model}; left voicemail"),
    (InteractionChannel::Call, Direction::Inbound, "Asked about availability of the {model} in {colour}"),
    (InteractionChannel::Email, Direction::Outbound, "Sent photos and window sticker of the {model}"),
    (InteractionChannel::Email, Direction::Inbound, "Replied: interested, wants numbers with trade-in"),
    (InteractionChannel::Sms, Direction::Outbound, "Texted to confirm Saturday appointment"),
    (InteractionChannel::Sms, Direction::Inbound, "Running 15 minutes late"),
    (InteractionChannel::Visit, Direction::Inbound, "Walk-in, looked at {model} and {model2}"),
    (InteractionChannel::TestDrive, Direction::Internal, "Test drive of the {model}; liked the ride, unsure on colour"),
    (InteractionChannel::Note, Direction::Internal, "Spouse needs to see it before deciding"),
    (InteractionChannel::Chat, Direction::Inbound, "Website chat: asked for best out-the-door price"),
    (InteractionChannel::Event, Direction::Inbound, "Met at the auto show; wants a brochure for the {model}"),
];

struct Gen {
    rng: fastrand::Rng,
    now_ms: i64,
}

const DAY_MS: i64 = 86_400_000;

impl Gen {
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.rng.usize(..xs.len())]
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.f64() < p
    }

    /// A deterministic UUIDv7 for an instant.
    fn id_at(&mut self, t: Timestamp) -> Uuid {
        let mut bytes = [0u8; 10];
        self.rng.fill(&mut bytes);
        uuid::Builder::from_unix_timestamp_millis(t.millis().max(0) as u64, &bytes).into_uuid()
    }

    /// An instant within the last `days` days (not in the future).
    fn within_days(&mut self, days: i64) -> Timestamp {
        Timestamp::from_millis(self.now_ms - self.rng.i64(0..days * DAY_MS))
    }

    fn between(&mut self, from: Timestamp, to_ms: i64) -> Timestamp {
        let lo = from.millis();
        let hi = to_ms.max(lo + 1);
        Timestamp::from_millis(self.rng.i64(lo..hi))
    }

    fn phone(&mut self) -> String {
        loop {
            let raw = format!(
                "({}) {}{}{}-{:04}",
                self.pick(AREA_CODES),
                self.rng.u8(2..=9),
                self.rng.u8(0..=9),
                self.rng.u8(0..=9),
                self.rng.u16(0..10_000)
            );
            if let Ok(p) = normalize_phone(&raw, "US")
                && !p.contains("555")
            {
                return p;
            }
        }
    }

    fn vin(&mut self, wmi: &str, year: i32) -> String {
        const CHARS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
        const YEAR_CODES: &[u8] = b"ABCDEFGHJKLMNPRSTVWXY123456789";
        let mut v: Vec<u8> = wmi.bytes().collect();
        for _ in 0..5 {
            v.push(CHARS[self.rng.usize(..CHARS.len())]);
        }
        v.push(b'0'); // check digit, fixed below
        v.push(YEAR_CODES[((year - 2010).rem_euclid(30)) as usize]);
        v.push(CHARS[self.rng.usize(..CHARS.len())]);
        for _ in 0..6 {
            v.push(b'0' + self.rng.u8(0..10));
        }
        let s = String::from_utf8(v).unwrap_or_default();
        // Compute the 49 CFR 565 check digit by trying each candidate.
        for d in "0123456789X".chars() {
            let candidate: String = s.chars().enumerate().map(|(i, c)| if i == 8 { d } else { c }).collect();
            if matches!(
                crate::domain::validate::check_vin(&candidate),
                Ok((_, crate::domain::validate::VinCheck::Valid))
            ) {
                return candidate;
            }
        }
        s
    }
}

/// A plausible vehicle, for tests.
pub fn sample_vehicle(t: Timestamp) -> Vehicle {
    let mut g = Gen { rng: fastrand::Rng::with_seed(1), now_ms: t.millis() };
    make_vehicle(&mut g, 0, t)
}

/// A plausible lead, for tests.
pub fn sample_lead(t: Timestamp) -> Lead {
    let mut g = Gen { rng: fastrand::Rng::with_seed(1), now_ms: t.millis() };
    make_lead(&mut g, None, None, t, "")
}

fn make_vehicle(g: &mut Gen, n: usize, now: Timestamp) -> Vehicle {
    let (make, model, body, base, wmi) = *g.pick(MODELS);
    let this_year = now.date().format("%Y").to_string().parse::<i32>().unwrap_or(2026);
    let roll = g.rng.f64();
    let condition = if roll < 0.65 {
        Condition::New
    } else if roll < 0.93 {
        Condition::Used
    } else {
        Condition::Cpo
    };
    let year = match condition {
        Condition::New => this_year + i32::from(g.chance(0.4)),
        _ => this_year - g.rng.i32(1..9),
    };
    let age = (this_year - year).max(0) as i64;
    let msrp_dollars = base + g.rng.i64(0..9_000);
    let trim_idx = g.rng.usize(..TRIMS.len());
    let (mileage, price_dollars) = match condition {
        Condition::New => (g.rng.i32(3..40), msrp_dollars - g.rng.i64(0..1_500)),
        _ => {
            let miles = (age as i32) * g.rng.i32(7_000..15_000);
            (miles, (msrp_dollars * (100 - (age * 9).min(70)) / 100) - (miles as i64 / 20))
        }
    };
    let price_cents = (price_dollars.max(3_000) / 100 * 100 - 5) * 100; // prices like $27,495
    let invoice_cents = price_cents * g.rng.i64(86..95) / 100 / 100 * 100;
    let status_roll = g.rng.f64();
    let status = if status_roll < 0.80 {
        VehicleStatus::Available
    } else if status_roll < 0.85 {
        VehicleStatus::Reserved
    } else if status_roll < 0.93 {
        VehicleStatus::InTransit
    } else if status_roll < 0.97 {
        VehicleStatus::OnHold
    } else {
        VehicleStatus::Sold
    };
    let received_at = g.within_days(150);
    Vehicle {
        id: g.id_at(received_at),
        vin: g.vin(wmi, year),
        stock_no: format!("{}{:05}", if condition == Condition::New { "N" } else { "U" }, 10_000 + n),
        year,
        make: make.into(),
        model: model.into(),
        trim: TRIMS[trim_idx].into(),
        body: body.into(),
        colour: g.pick(COLOURS).to_string(),
        mileage,
        condition,
        msrp_cents: if condition == Condition::New { msrp_dollars * 100 } else { 0 },
        invoice_cents,
        price_cents,
        status,
        location: g.pick(LOCATIONS).to_string(),
        received_at,
        created_at: received_at,
        updated_at: received_at,
        deleted_at: None,
    }
}

fn make_lead(g: &mut Gen, customer: Option<&Customer>, assignee: Option<Uuid>, at: Timestamp, interest: &str) -> Lead {
    let channel = *g.pick(&[
        Channel::WalkIn,
        Channel::WalkIn,
        Channel::Web,
        Channel::Web,
        Channel::Web,
        Channel::Phone,
        Channel::Marketplace,
        Channel::Marketplace,
        Channel::Referral,
        Channel::Event,
        Channel::Email,
        Channel::Social,
        Channel::Chat,
        Channel::Advertising,
    ]);
    let source = match channel {
        Channel::Marketplace => *g.pick(&["Cars.com", "Autotrader", "CarGurus", "TrueCar"]),
        Channel::Web => *g.pick(&["Website form", "Trade-in tool", "Credit app"]),
        Channel::Event => "Austin Auto Show",
        Channel::Social => *g.pick(&["Facebook", "Instagram"]),
        Channel::Advertising => *g.pick(&["Radio", "Google Ads", "Billboard"]),
        _ => "Showroom",
    };
    let age_days = (g.now_ms - at.millis()) / DAY_MS;
    let status = if age_days < 2 {
        *g.pick(&[LeadStatus::New, LeadStatus::New, LeadStatus::Contacted])
    } else {
        *g.pick(&[
            LeadStatus::Contacted,
            LeadStatus::Qualified,
            LeadStatus::Converted,
            LeadStatus::Converted,
            LeadStatus::Lost,
        ])
    };
    let responded = status != LeadStatus::New;
    let (first_name, last_name, email, phone) = match customer {
        Some(c) => (c.first_name.clone(), c.last_name.clone(), c.email.clone(), c.phone.clone()),
        None => (g.pick(FIRST).to_string(), g.pick(LAST).to_string(), None, Some(g.phone())),
    };
    let mut lead = Lead {
        id: g.id_at(at),
        customer_id: customer.map(|c| c.id),
        first_name,
        last_name,
        email,
        phone,
        channel,
        source: source.into(),
        campaign: if g.chance(0.3) {
            (*g.pick(&["Spring sales event", "Year-end clearance", "Truck month"])).into()
        } else {
            String::new()
        },
        vehicle_interest: interest.into(),
        vehicle_id: None,
        status,
        score: 0,
        assignee_id: assignee,
        received_at: at,
        first_response_at: responded.then(|| Timestamp::from_millis(at.millis() + g.rng.i64(60_000..6 * 3_600_000))),
        notes: String::new(),
        created_at: at,
        updated_at: at,
        deleted_at: None,
        event_id: None,
        timeframe_days: g.chance(0.6).then(|| *g.pick(&[3, 14, 30, 60, 120])),
        trade_in: g.chance(0.4),
        financing: g.chance(0.6),
        score_reasons: Vec::new(),
        assigned_at: assignee.map(|_| at),
        cadence: String::new(),
        cadence_stopped: String::new(),
        merged_into: None,
        original: String::new(),
        intake_warnings: Vec::new(),
    };
    // Scored as it was when it arrived.
    let scored = crate::leads::scoring::score(
        &crate::leads::scoring::Signals {
            channel: Some(lead.channel),
            timeframe_days: lead.timeframe_days,
            has_trade_in: lead.trade_in,
            wants_financing: lead.financing,
            engagements: i32::from(responded),
            age_hours: 0,
            matching_vehicles: g.rng.i32(0..6),
        },
        &crate::leads::scoring::Weights::default(),
    );
    lead.score = scored.score;
    lead.score_reasons = scored.reasons;
    lead
}

/// Loads the demo dealership into an empty store; refuses a store that already holds customers.
pub fn load(store: &mut Store, size: DemoSize, seed: u64, now: Timestamp) -> Result<DemoSummary> {
    let existing: i64 = store.count::<Customer>()?;
    if existing > 0 {
        return Err(CoreError::Conflict(format!(
            "this database already holds {existing} customers; the demo dealership loads only into an empty one (use a new --data-dir)"
        )));
    }
    let mut g = Gen { rng: fastrand::Rng::with_seed(seed), now_ms: now.millis() };
    let mut summary = DemoSummary::default();
    let since = size.days.max(30);
    store.write_unrecorded(|w| {
        let t0 = Timestamp::from_millis(now.millis() - since * DAY_MS);
        w.insert(&Dealership {
            id: g.id_at(t0),
            name: "Lakeside Motors".into(),
            country: "US".into(),
            timezone: "America/Chicago".into(),
            address: "4100 Lakeshore Blvd, Austin, TX 78741".into(),
            phone: "(512) 201-0000".into(),
            email: "sales@lakeside-motors.example".into(),
            logo_png: None,
            created_at: t0,
            updated_at: t0,
        })?;
        let team = Team { id: g.id_at(t0), name: "Sales floor".into(), created_at: t0, updated_at: t0 };
        w.insert(&team)?;
        let mut reps = Vec::new();
        let manager_names = ["Diane Foster"];
        let rep_names = [
            "Ana Morales",
            "Ben Carter",
            "Chloe Nguyen",
            "Darnell Brooks",
            "Elena Petrova",
            "Frank Russo",
            "Grace Kim",
            "Hector Vega",
        ];
        for (i, name) in manager_names.iter().chain(rep_names.iter().cycle().take(size.reps)).enumerate() {
            let (first, last) = name.split_once(' ').unwrap_or((name, ""));
            let user = User {
                id: g.id_at(t0),
                name: if i > rep_names.len() { format!("{name} {i}") } else { name.to_string() },
                email: format!(
                    "{}.{}{}@lakeside-motors.example",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    if i > rep_names.len() { i.to_string() } else { String::new() }
                ),
                role: if i == 0 { Role::Manager } else { Role::Rep },
                team_id: Some(team.id),
                active: true,
                created_at: t0,
                updated_at: t0,
            };
            w.insert(&user)?;
            if user.role == Role::Rep {
                reps.push(user.id);
            }
            summary.users += 1;
        }
        // The default pipeline, with the ids every device shares.
        let mut stages = Vec::new();
        for s in crate::pipeline::default_stages(t0) {
            w.insert(&s)?;
            stages.push(s);
        }
        let mut vehicles = Vec::with_capacity(size.vehicles);
        for n in 0..size.vehicles {
            let v = make_vehicle(&mut g, n, now);
            w.insert(&v)?;
            vehicles.push(v);
        }
        summary.vehicles = vehicles.len() as i64;

        let mut customers = Vec::with_capacity(size.customers);
        for n in 0..size.customers {
            let created = g.within_days(since);
            let (city, region, zip) = *g.pick(CITIES);
            let first = g.pick(FIRST).to_string();
            let last = g.pick(LAST).to_string();
            let has_email = g.chance(0.86);
            let has_phone = g.chance(0.9) || !has_email;
            // Unique by construction: the running number keeps two Ana Garcías apart.
            let email_user = format!("{}.{}{}", ascii_fold(&first), ascii_fold(&last), n + 1);
            let email =
                has_email.then(|| format!("{email_user}@{}", g.pick(&["example.com", "example.net", "example.org"])));
            let phone = has_phone.then(|| g.phone());
            let model = g.pick(MODELS);
            let c = Customer {
                id: g.id_at(created),
                owner_id: Some(*g.pick(&reps)),
                first_name: first,
                last_name: last,
                street: format!(
                    "{} {} {}",
                    g.rng.u16(100..9999),
                    g.pick(STREETS),
                    g.pick(&["St", "Ave", "Dr", "Ln", "Blvd"])
                ),
                city: city.into(),
                region: region.into(),
                postal_code: format!("{zip}{:02}", g.rng.u8(1..99)),
                language: if g.chance(0.18) { "es".into() } else { "en".into() },
                birth_date: g.chance(0.4).then(|| {
                    chrono::NaiveDate::from_ymd_opt(g.rng.i32(1950..2004), g.rng.u32(1..13), g.rng.u32(1..29))
                        .unwrap_or_default()
                }),
                consent: crate::domain::Consent {
                    email: email.is_some() && g.chance(0.7),
                    sms: phone.is_some() && g.chance(0.55),
                    phone: phone.is_some() && g.chance(0.8),
                },
                preferences: crate::domain::Preferences {
                    makes: vec![model.0.to_string()],
                    body_types: vec![model.2.to_string()],
                    budget_min_cents: None,
                    budget_max_cents: Some((model.3 + g.rng.i64(0..15_000)) / 1000 * 1000 * 100),
                    fuel: g.chance(0.15).then(|| "electric".to_string()),
                    condition: Some(*g.pick(&[Condition::New, Condition::Used, Condition::Cpo])),
                    must_haves: if g.chance(0.3) {
                        vec![(*g.pick(&["third row", "AWD", "tow package", "heated seats", "CarPlay"])).to_string()]
                    } else {
                        vec![]
                    },
                },
                email,
                phone,
                notes: String::new(),
                created_at: created,
                updated_at: created,
                deleted_at: None,
                merged_into: None,
            };
            w.insert(&c)?;
            customers.push(c);
        }
        summary.customers = customers.len() as i64;

        let mut lead_of: std::collections::HashMap<Uuid, (Uuid, String, Channel)> = std::collections::HashMap::new();
        for i in 0..size.leads {
            let c = &customers[if i < customers.len() { i } else { g.rng.usize(..customers.len()) }];
            let at = g.between(c.created_at, (c.created_at.millis() + 30 * DAY_MS).min(g.now_ms));
            let v = &vehicles[g.rng.usize(..vehicles.len())];
            let interest = format!("{} {} {}", v.year, v.make, v.model);
            let lead = make_lead(&mut g, Some(c), c.owner_id, at, &interest);
            lead_of.entry(c.id).or_insert((lead.id, lead.source.clone(), lead.channel));
            w.insert(&lead)?;
        }
        summary.leads = size.leads as i64;

        let open_stages = &stages[..10];
        let mut opps = Vec::new();
        for i in 0..size.opportunities.min(customers.len()) {
            let c = &customers[(i * 7919) % customers.len()];
            let created = g.between(c.created_at, g.now_ms);
            let v = &vehicles[g.rng.usize(..vehicles.len())];
            let age_days = (g.now_ms - created.millis()) / DAY_MS;
            let (status, stage) = if age_days > 45 && g.chance(0.85) {
                if g.chance(0.45) {
                    (OpportunityStatus::Won, &stages[10])
                } else {
                    (OpportunityStatus::Lost, &stages[11])
                }
            } else {
                (OpportunityStatus::Open, &open_stages[g.rng.usize(..open_stages.len())])
            };
            // Open deals moved stage recently (some are going cold); closed
            // ones closed any time after they were created.
            let entered = if status == OpportunityStatus::Open {
                // About a third past the stage's idle threshold ("going cold").
                let window = i64::from(stage.idle_days) * 3 * DAY_MS / 2;
                g.between(Timestamp::from_millis((g.now_ms - window).max(created.millis())), g.now_ms)
            } else {
                // Closed two days to two months after opening (and before today).
                let most = age_days.clamp(3, 60);
                Timestamp::from_millis(created.millis() + g.rng.i64(2..most) * DAY_MS + g.rng.i64(0..DAY_MS))
            };
            let closed = (status != OpportunityStatus::Open).then_some(entered);
            let won = status == OpportunityStatus::Won;
            // Front-end gross: price less invoice less some reconditioning; a few sold deals are
            // split with a second rep, and about one in a hundred unwinds ten days later.
            let gross = won.then(|| v.price_cents - v.invoice_cents - g.rng.i64(0..60_000));
            let co_owner = (won && g.chance(0.05)).then(|| *g.pick(&reps)).filter(|r| Some(*r) != c.owner_id);
            let unwound = closed
                .filter(|_| won && g.chance(0.01))
                .map(|t| Timestamp::from_millis(t.millis() + 10 * DAY_MS))
                .filter(|t| t.millis() < g.now_ms);
            let o = Opportunity {
                id: g.id_at(created),
                customer_id: c.id,
                lead_id: lead_of.get(&c.id).map(|l| l.0),
                vehicle_id: Some(v.id),
                stage_id: stage.id,
                title: format!("{} {} {}", v.year, v.make, v.model),
                amount_cents: v.price_cents,
                owner_id: c.owner_id,
                status,
                expected_close: Some(Timestamp::from_millis(created.millis() + 30 * DAY_MS).date()),
                lost_reason: if status == OpportunityStatus::Lost {
                    g.pick(&crate::pipeline::LOST_REASONS[..6]).to_string()
                } else {
                    String::new()
                },
                stage_entered_at: entered,
                closed_at: closed,
                created_at: created,
                updated_at: entered,
                deleted_at: None,
                gross_cents: gross,
                co_owner_id: co_owner,
                unwound_at: unwound,
                source: lead_of.get(&c.id).map(|l| l.1.clone()).unwrap_or_default(),
                channel: lead_of.get(&c.id).map(|l| l.2),
            };
            w.insert(&o)?;
            opps.push(o);
        }
        summary.opportunities = opps.len() as i64;

        for i in 0..size.activities {
            let Some(o) = opps.get(i % opps.len().max(1)) else {
                break;
            };
            let open = o.status == OpportunityStatus::Open;
            let due = if open && g.chance(0.5) {
                // Open deals: some overdue, some today, some upcoming.
                Timestamp::from_millis(g.now_ms + g.rng.i64(-3 * DAY_MS..10 * DAY_MS))
            } else {
                g.between(o.created_at, g.now_ms)
            };
            let done = (due.millis() < g.now_ms && (!open || g.chance(0.7))).then_some(due);
            let kind = *g.pick(&[
                ActivityKind::Call,
                ActivityKind::Call,
                ActivityKind::Email,
                ActivityKind::Sms,
                ActivityKind::Meeting,
                ActivityKind::TestDrive,
                ActivityKind::FollowUp,
            ]);
            let subject = match kind {
                ActivityKind::Call => format!("Call about the {}", o.title),
                ActivityKind::Email => format!("Email numbers for the {}", o.title),
                ActivityKind::Sms => "Text to confirm appointment".to_string(),
                ActivityKind::Meeting => "Showroom appointment".to_string(),
                ActivityKind::TestDrive => format!("Test drive: {}", o.title),
                ActivityKind::FollowUp => "Follow up after visit".to_string(),
                ActivityKind::Delivery => "Delivery".to_string(),
            };
            let a = Activity {
                id: g.id_at(o.created_at),
                customer_id: o.customer_id,
                opportunity_id: Some(o.id),
                kind,
                subject,
                due_at: due,
                done_at: done,
                outcome: if done.is_some() {
                    (*g.pick(&["Reached", "Left voicemail", "Booked visit", "Sent"])).into()
                } else {
                    String::new()
                },
                owner_id: o.owner_id,
                created_at: o.created_at,
                updated_at: o.created_at,
                deleted_at: None,
                lead_id: None,
                message: String::new(),
            };
            w.insert(&a)?;
        }
        summary.activities = if opps.is_empty() { 0 } else { size.activities as i64 };

        for i in 0..size.interactions {
            let c = &customers[if i < customers.len() { i } else { g.rng.usize(..customers.len()) }];
            let at = g.between(c.created_at, g.now_ms);
            let (channel, direction, template) = *g.pick(SUMMARIES);
            let m1 = g.pick(MODELS).1;
            let m2 = g.pick(MODELS).1;
            let colour = g.pick(COLOURS).to_lowercase();
            let it = Interaction {
                id: g.id_at(at),
                customer_id: c.id,
                channel,
                direction,
                summary: template.replace("{model2}", m2).replace("{model}", m1).replace("{colour}", &colour),
                duration_s: (channel == InteractionChannel::Call).then(|| g.rng.i32(20..1_200)),
                author_id: c.owner_id,
                occurred_at: at,
                created_at: at,
            };
            w.insert(&it)?;
        }
        summary.interactions = size.interactions as i64;

        // Satisfaction answers after most sales, goals for this month, a commission plan for the
        // reps and marketing spend per lead source for the last six months.
        for o in opps.iter().filter(|o| o.status == OpportunityStatus::Won) {
            let Some(closed) = o.closed_at else { continue };
            if !g.chance(0.6) {
                continue;
            }
            let at = Timestamp::from_millis((closed.millis() + g.rng.i64(DAY_MS..14 * DAY_MS)).min(g.now_ms));
            let csat = if g.chance(0.8) { g.rng.i64(4..=5) } else { g.rng.i64(1..=3) };
            let nps = if g.chance(0.7) { g.rng.i64(9..=10) } else { g.rng.i64(3..=8) };
            for (kind, score) in [(crate::domain::SurveyKind::Csat, csat), (crate::domain::SurveyKind::Nps, nps)] {
                w.insert(&crate::domain::Survey {
                    id: g.id_at(at),
                    customer_id: o.customer_id,
                    order_id: None,
                    kind,
                    score: score as i32,
                    comment: String::new(),
                    answered_at: at,
                })?;
            }
        }
        let month = Timestamp::from_millis(g.now_ms).date().format("%Y-%m").to_string();
        let won_last_90 = opps
            .iter()
            .filter(|o| {
                o.status == OpportunityStatus::Won && o.closed_at.is_some_and(|c| c.millis() > g.now_ms - 90 * DAY_MS)
            })
            .count() as i32;
        let team_units = (won_last_90 / 3 + 5).max(5);
        w.insert(&crate::domain::Goal {
            id: g.id_at(Timestamp::from_millis(g.now_ms)),
            user_id: None,
            team_id: None,
            month: month.clone(),
            units: team_units,
            gross_cents: i64::from(team_units) * 2_500_00,
            activities: team_units * 40,
        })?;
        for r in &reps {
            let units = (team_units + reps.len() as i32 - 1) / reps.len().max(1) as i32;
            w.insert(&crate::domain::Goal {
                id: g.id_at(Timestamp::from_millis(g.now_ms)),
                user_id: Some(*r),
                team_id: None,
                month: month.clone(),
                units,
                gross_cents: i64::from(units) * 2_500_00,
                activities: units * 40,
            })?;
        }
        w.insert(&crate::domain::CommissionPlan {
            id: g.id_at(Timestamp::from_millis(g.now_ms)),
            name: "Standard sales".into(),
            flat_per_unit_cents: 150_00,
            gross_percent_bp: 2_000,
            minimum_per_deal_cents: 200_00,
            tiers: vec![
                crate::domain::Tier { from_units: 8, per_unit_cents: 50_00 },
                crate::domain::Tier { from_units: 12, per_unit_cents: 100_00 },
            ],
            csat_bonus_cents: 250_00,
            csat_min_tenths: 45,
            user_ids: reps.clone(),
        })?;
        let mut m = Timestamp::from_millis(g.now_ms).date();
        for _ in 0..6 {
            let label = m.format("%Y-%m").to_string();
            for (source, base) in [
                ("Autotrader", 3_500_00),
                ("Cars.com", 2_800_00),
                ("Facebook", 1_500_00),
                ("Google Ads", 4_000_00),
                ("Radio", 2_000_00),
            ] {
                w.insert(&crate::analytics::Spend {
                    id: g.id_at(Timestamp::from_millis(g.now_ms)),
                    month: label.clone(),
                    source: source.into(),
                    amount_cents: base + g.rng.i64(0..100_000),
                })?;
            }
            m = m.checked_sub_months(chrono::Months::new(1)).unwrap_or(m);
        }
        Ok(())
    })?;
    Ok(summary)
}

/// Lower-case ASCII letters of a name, for generated email addresses.
fn ascii_fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'é' | 'è' | 'ë' => Some('e'),
            'ç' => Some('c'),
            'ö' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'ñ' => Some('n'),
            'á' => Some('a'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}
