//! The demo dealership: a deterministic generator of a plausible store (users, pipeline, inventory,
//! customers with leads, opportunities, activities and interactions over the last 18 months).
//! The same seed gives the same people, vehicles and history; dates are relative to `now` so the
//! Today screen always has something due. Each customer's story holds together: the car they ask
//! about is the one in their preferences, their lead and their deal ([`story`]); leads arrive with
//! the dealership's seasons, people act in its opening hours. The benchmark uses it at
//! 100k-customer scale.

mod story;

use crate::domain::validate::normalize_phone;
use crate::domain::*;
use crate::error::{CoreError, Result};
use crate::store::Store;
use chrono::{Datelike, TimeZone};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// How much to generate.
#[derive(Debug, Clone, Copy)]
pub struct DemoSize {
    pub vehicles: usize,
    pub reps: usize,
    pub customers: usize,
    /// Leads in all: one per customer (the lead that brought them), the rest from returning
    /// customers. Deals and activities follow from how each lead is worked.
    pub leads: usize,
    pub interactions: usize,
    /// How far back the history goes.
    pub days: i64,
    /// How busy each month is (January first), in percent of an average month: leads arrive in
    /// proportion.
    pub seasons: [u8; 12],
}

impl DemoSize {
    /// The demo dealership of the first-run screen and `showroom demo`.
    pub const DEMO: DemoSize = DemoSize {
        vehicles: 300,
        reps: 8,
        customers: 5_000,
        leads: 6_000,
        interactions: 28_000,
        // Three years: enough history for the forecast to know the seasons.
        days: 1_096,
        // Slow after the holidays, a spring peak (tax refunds), summer, a year-end push.
        seasons: [80, 85, 110, 110, 115, 105, 100, 105, 95, 90, 90, 115],
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
/// The trims a brand (or a model with its own names) sells.
fn trims(make: &str, model: &str) -> &'static [&'static str] {
    match (make, model) {
        ("Ford", "Mustang Mach-E") => &["Select", "Premium", "GT"],
        ("Tesla", _) => &["Long Range", "Performance"],
        ("Hyundai", "Ioniq 5") => &["SE", "SEL", "Limited"],
        ("Toyota", _) => &["LE", "SE", "XLE", "XSE", "Limited"],
        ("Honda", _) => &["LX", "Sport", "EX", "EX-L", "Touring"],
        ("Ford", _) => &["XL", "XLT", "Lariat", "Platinum"],
        ("Chevrolet", _) => &["LS", "LT", "RS", "Premier"],
        ("Hyundai", _) => &["SE", "SEL", "N Line", "Limited"],
        ("Kia", _) => &["LX", "S", "EX", "SX"],
        ("Nissan", _) => &["S", "SV", "SL", "Platinum"],
        ("Subaru", _) => &["Base", "Premium", "Limited", "Touring"],
        ("Jeep", _) => &["Laredo", "Limited", "Overland", "Summit"],
        _ => &["Base"],
    }
}
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
    (
        InteractionChannel::TestDrive,
        Direction::Internal,
        "Test drive of the {model}; liked the ride, unsure on the color",
    ),
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
    let trim = *g.pick(trims(make, model));
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
        trim: trim.into(),
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
            // As it arrived: nobody had answered yet.
            engagements: 0,
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

        // Reps differ: some close more, some let follow-ups slip.
        let skills = [1.25, 1.1, 1.0, 0.95, 0.9, 1.05, 0.85, 1.0];
        let slips = [0.0, 0.0, 0.15, 0.0, 0.1, 0.0, 0.2, 0.0];
        let team: Vec<story::Rep> = reps
            .iter()
            .enumerate()
            .map(|(i, id)| story::Rep { id: *id, skill: skills[i % skills.len()], slips: slips[i % slips.len()] })
            .collect();
        // Leads arrive with the seasons, in time order: first visits over the whole history,
        // returning customers' enquiries from six weeks in.
        let first_day = (now.millis() - since * DAY_MS).div_euclid(DAY_MS);
        let arrivals = spread(&mut g, size.customers, first_day, since, &size.seasons);
        let returns =
            spread(&mut g, size.leads.saturating_sub(size.customers), first_day + 1, since - 1, &size.seasons);
        let mut customers: Vec<Customer> = Vec::with_capacity(size.customers);
        let mut interest: Vec<usize> = Vec::with_capacity(size.customers);
        let mut rep_of: Vec<story::Rep> = Vec::with_capacity(size.customers);
        let mut opps: Vec<Opportunity> = Vec::new();
        let mut leads_made = 0i64;
        // Walk-ins (for the floor's traffic log) and referred customers, as they arrive.
        let mut walk_ins: Vec<Lead> = Vec::new();
        let mut referred: Vec<(Uuid, Timestamp)> = Vec::new();
        let mut activities_made = 0i64;
        // Sales are drawn systematically per score band (see `story::work`), each band from a
        // random start: a band sells as often as its leads' chances add up to.
        let mut luck: std::collections::HashMap<i32, f64> = (0..=5).map(|b| (b, g.rng.f64())).collect();
        // One story: the lead, how it was worked, the deal and the activities it left.
        let mut tell = |w: &mut crate::store::Writer<'_>,
                        g: &mut Gen,
                        c: &Customer,
                        v: &Vehicle,
                        rep: story::Rep,
                        at: Timestamp,
                        opps: &mut Vec<Opportunity>|
         -> Result<Timestamp> {
            let mut lead = make_lead(g, Some(c), Some(rep.id), at, &format!("{} {} {}", v.make, v.model, v.trim));
            // Walk-ins, calls and show visitors come in opening hours; web leads at any hour.
            if matches!(lead.channel, Channel::WalkIn | Channel::Phone | Channel::Event) {
                let t = Timestamp::from_millis(story::in_hours(g, at.millis()).min(g.now_ms - 60_000));
                (lead.received_at, lead.created_at, lead.updated_at, lead.assigned_at) = (t, t, t, Some(t));
            }
            let band = lead.score / 20;
            let worked = story::work(g, &mut lead, c, v, rep, luck.entry(band).or_default(), &stages);
            w.insert(&lead)?;
            leads_made += 1;
            match lead.channel {
                Channel::WalkIn => walk_ins.push(lead.clone()),
                Channel::Referral => referred.push((c.id, lead.received_at)),
                _ => {}
            }
            if let Some(mut o) = worked.deal {
                // About one sale in twenty is shared with a colleague who helped close it.
                if o.status == OpportunityStatus::Won && g.chance(0.05) {
                    o.co_owner_id = Some(*g.pick(&reps)).filter(|r| Some(*r) != o.owner_id);
                }
                w.insert(&o)?;
                opps.push(o);
            }
            for m in &worked.moves {
                w.insert(m)?;
            }
            if let Some((q, v)) = &worked.quote {
                w.insert(q)?;
                w.insert(v)?;
            }
            if let Some(o) = &worked.order {
                w.insert(o)?;
            }
            for a in &worked.activities {
                w.insert(a)?;
            }
            activities_made += worked.activities.len() as i64;
            Ok(lead.received_at)
        };
        for n in 0..size.customers {
            // The car that brings them in decides what they want: make, body, budget, new or used.
            let vi = g.rng.usize(..vehicles.len());
            let v = &vehicles[vi];
            let rep = team[g.rng.usize(..team.len())];
            let created = arrivals.get(n).copied().unwrap_or_else(|| g.within_days(since));
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
            let mut c = Customer {
                id: Uuid::nil(),
                owner_id: Some(rep.id),
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
                    makes: vec![v.make.clone()],
                    body_types: vec![v.body.clone()],
                    budget_min_cents: None,
                    budget_max_cents: Some((v.price_cents / 100 + g.rng.i64(0..5_000)) / 1000 * 1000 * 100),
                    fuel: (v.model.contains("Ioniq") || v.make == "Tesla" || v.model.contains("Mach-E"))
                        .then(|| "electric".to_string()),
                    condition: Some(v.condition),
                    must_haves: if g.chance(0.3) {
                        vec![(*g.pick(&["third row", "AWD", "tow package", "heated seats", "CarPlay"])).to_string()]
                    } else {
                        vec![]
                    },
                    models: vec![v.model.clone()],
                    ..Default::default()
                },
                email,
                phone,
                notes: String::new(),
                created_at: created,
                updated_at: created,
                deleted_at: None,
                merged_into: None,
            };
            // The customer is created when their first lead arrives.
            let at = Timestamp::from_millis(created.millis().min(g.now_ms - 60_000));
            c.id = g.id_at(at);
            let arrived = tell(w, &mut g, &c, v, rep, at, &mut opps)?;
            c.created_at = arrived;
            c.updated_at = arrived;
            w.insert(&c)?;
            customers.push(c);
            interest.push(vi);
            rep_of.push(rep);
        }
        summary.customers = customers.len() as i64;
        // Returning customers: a later enquiry (a second car, a trade-up) to the same rep, from
        // someone who first came at least six weeks before.
        for at in returns {
            // Six weeks after their first visit at the earliest (in the history's first weeks,
            // someone from before it: the first days' customers stand in for them).
            let gap = if at.millis() - first_day * DAY_MS > 60 * DAY_MS { 45 * DAY_MS } else { DAY_MS };
            let known = customers.partition_point(|c| c.created_at.millis() < at.millis() - gap);
            if known == 0 {
                continue;
            }
            let i = g.rng.usize(..known);
            let c = &customers[i];
            let v = &vehicles[if g.chance(0.5) { interest[i] } else { g.rng.usize(..vehicles.len()) }];
            tell(w, &mut g, c, v, rep_of[i], at, &mut opps)?;
        }
        summary.opportunities = opps.len() as i64;
        summary.activities = activities_made;

        // The floor: every walk-in in the traffic log with who took the up, and today's check-ins
        // (six reps on the floor, in the order they came in, two off).
        let local = {
            use chrono::Offset;
            i64::from(chrono::Local.offset_from_utc_datetime(&now.0.naive_utc()).fix().local_minus_utc()) * 1000
        };
        let today = Timestamp::from_millis(g.now_ms + local).date();
        let mut ups: std::collections::HashMap<Uuid, i32> = std::collections::HashMap::new();
        for l in &walk_ins {
            if Timestamp::from_millis(l.received_at.millis() + local).date() == today
                && let Some(r) = l.assignee_id
            {
                *ups.entry(r).or_default() += 1;
            }
            w.insert(&crate::leads::floor::TrafficEntry {
                id: g.id_at(l.received_at),
                arrived_at: l.received_at,
                rep_id: l.assignee_id,
                name: format!("{} {}", l.first_name, l.last_name),
                party_size: *g.pick(&[1, 1, 2, 2, 2, 3, 4]),
                interest: l.vehicle_interest.clone(),
                customer_id: l.customer_id,
                lead_id: Some(l.id),
                outcome: "lead".into(),
                notes: String::new(),
                created_at: l.received_at,
                updated_at: l.received_at,
            })?;
        }
        let opened = Timestamp::from_millis(
            today.and_hms_opt(9, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(g.now_ms) - local,
        )
        .min(Timestamp::from_millis(g.now_ms));
        for (position, r) in team.iter().take(6).enumerate() {
            w.insert(&crate::leads::floor::Checkin {
                id: crate::leads::floor::checkin_id(r.id, today),
                user_id: r.id,
                day: today,
                position: Some(position as i32 + 1),
                checked_in_at: Timestamp::from_millis(opened.millis() + position as i64 * 7 * 60_000)
                    .min(Timestamp::from_millis(g.now_ms)),
                ups_taken: ups.get(&r.id).copied().unwrap_or(0),
                updated_at: opened,
            })?;
        }
        // Referrals: who sent each referred customer (someone who came before them).
        referred.sort_by_key(|(c, _)| *c);
        referred.dedup_by_key(|(c, _)| *c);
        for (customer, at) in referred {
            let before = customers.partition_point(|c| c.created_at < at);
            if before == 0 {
                continue;
            }
            let referrer = customers[g.rng.usize(..before)].id;
            if referrer == customer {
                continue;
            }
            w.insert(&crate::domain::Referral {
                id: g.id_at(at),
                customer_id: customer,
                referrer_id: referrer,
                note: "Sent by a friend who bought here".into(),
                created_at: at,
            })?;
        }
        // The Austin Auto Show, each March: the event leads of its days are its leads; the other
        // event leads came from smaller community events.
        let first_year = Timestamp::from_millis(g.now_ms - since * DAY_MS).date().year();
        for year in first_year..=today.year() {
            let (Some(starts_on), Some(ends_on)) =
                (chrono::NaiveDate::from_ymd_opt(year, 3, 12), chrono::NaiveDate::from_ymd_opt(year, 3, 15))
            else {
                continue;
            };
            if starts_on > today {
                continue;
            }
            let event = Event {
                id: g.id_at(Timestamp::from_millis(
                    starts_on.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0),
                )),
                name: format!("Austin Auto Show {year}"),
                venue: "Austin Convention Center".into(),
                starts_on,
                ends_on,
            };
            w.insert(&event)?;
            // The stand's own leads: visitors who left their details, not customers yet.
            for _ in 0..g.rng.usize(25..40) {
                let day = starts_on + chrono::Days::new(g.rng.u64(0..4));
                let at = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp_millis()).unwrap_or(0)
                    + g.rng.i64(16..26) * 3_600_000;
                if at >= g.now_ms {
                    continue;
                }
                let rep = team[g.rng.usize(..team.len())].id;
                let v = &vehicles[g.rng.usize(..vehicles.len())];
                let mut lead = make_lead(
                    &mut g,
                    None,
                    Some(rep),
                    Timestamp::from_millis(at),
                    &format!("{} {} {}", v.make, v.model, v.trim),
                );
                lead.channel = Channel::Event;
                lead.source = "Austin Auto Show".into();
                lead.event_id = Some(event.id);
                lead.status = if g.now_ms - at > 14 * DAY_MS { LeadStatus::Lost } else { LeadStatus::Contacted };
                lead.first_response_at = Some(Timestamp::from_millis(at + DAY_MS));
                let scored = crate::leads::scoring::score(
                    &crate::leads::scoring::Signals {
                        channel: Some(Channel::Event),
                        timeframe_days: lead.timeframe_days,
                        has_trade_in: lead.trade_in,
                        wants_financing: lead.financing,
                        engagements: 0,
                        age_hours: 0,
                        matching_vehicles: 3,
                    },
                    &crate::leads::scoring::Weights::default(),
                );
                (lead.score, lead.score_reasons) = (scored.score, scored.reasons);
                w.insert(&lead)?;
                leads_made += 1;
            }
            let (a, b) = (starts_on.to_string(), (ends_on + chrono::Days::new(1)).to_string());
            w.conn().execute(
                "UPDATE leads SET event_id = ?1 WHERE channel = 'event' AND received_at >= ?2 AND received_at < ?3",
                rusqlite::params![event.id.to_string(), a, b],
            )?;
        }
        w.conn()
            .execute("UPDATE leads SET source = 'Community events' WHERE channel = 'event' AND event_id IS NULL", [])?;
        summary.leads = leads_made;
        w.conn().execute(
            "UPDATE opportunities SET source = 'Community events' WHERE channel = 'event'
               AND lead_id IN (SELECT id FROM leads WHERE source = 'Community events')",
            [],
        )?;

        for i in 0..size.interactions {
            let ci = if i < customers.len() { i } else { g.rng.usize(..customers.len()) };
            let c = &customers[ci];
            let when = g.between(c.created_at, g.now_ms).millis();
            let at = Timestamp::from_millis(story::in_hours(&mut g, when).min(g.now_ms));
            let (mut channel, direction, mut template) = *g.pick(SUMMARIES);
            // Nobody is texted without having agreed to texts.
            if channel == InteractionChannel::Sms && !c.consent.sms {
                (channel, template) = (InteractionChannel::Call, "Called to confirm the appointment");
            }
            let m1 = vehicles[interest[ci]].model.as_str();
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
        // This month's goals stretch the last three months' pace by about a tenth: units, gross
        // per unit as it has been, and activities done.
        let team_units = ((won_last_90 as f64 / 3.0 * 1.1).round() as i32).max(5);
        let done_last_90: i64 = w.conn().query_row(
            "SELECT count(*) FROM activities WHERE done_at >= ?1 AND deleted_at IS NULL",
            [Timestamp::from_millis(g.now_ms - 90 * DAY_MS).to_string()],
            |r| r.get(0),
        )?;
        let team_activities = ((done_last_90 as f64 / 3.0 * 1.1 / 10.0).round() as i32 * 10).max(40);
        let per_rep = |n: i32| (n + reps.len() as i32 - 1) / reps.len().max(1) as i32;
        for (user_id, units, activities) in std::iter::once((None, team_units, team_activities))
            .chain(reps.iter().map(|r| (Some(*r), per_rep(team_units), per_rep(team_activities))))
        {
            w.insert(&crate::domain::Goal {
                id: g.id_at(Timestamp::from_millis(g.now_ms)),
                user_id,
                team_id: None,
                month: month.clone(),
                units,
                gross_cents: i64::from(units) * 2_500_00,
                activities,
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

/// `n` instants over the `days` days from `first_day` (days since 1970), in time order, spread in
/// proportion to each day's month weight: evenly in weight from a random start, so a month holds
/// as many as its weight says (the seasons show, without the swings of independent draws).
fn spread(g: &mut Gen, n: usize, first_day: i64, days: i64, seasons: &[u8; 12]) -> Vec<Timestamp> {
    let weights: Vec<f64> = (0..days.max(0))
        .map(|d| {
            let day = Timestamp::from_millis((first_day + d) * DAY_MS).date();
            f64::from(seasons[chrono::Datelike::month0(&day) as usize])
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let step = total / n.max(1) as f64;
    let mut next = g.rng.f64() * step;
    let (mut acc, mut out) = (0.0, Vec::with_capacity(n));
    for (d, w) in weights.iter().enumerate() {
        while next < acc + w && out.len() < n {
            let start = (first_day + d as i64) * DAY_MS;
            out.push(Timestamp::from_millis((start + g.rng.i64(0..DAY_MS)).min(g.now_ms - 60_000)));
            next += step;
        }
        acc += w;
    }
    out
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
