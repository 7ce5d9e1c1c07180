/// Places the packets of a capture on one timeline for replay at capture speed.
///
/// Captures may mix clocks: rxe stamps packets of one direction with the boot clock (1970)
/// and the other with the wall clock (2026), so consecutive packets jump by decades. Each
/// clock becomes a *domain*: a packet within `maximumJump` of a domain's latest packet
/// belongs to it and keeps its spacing; a packet near none starts a new domain, aligned so it
/// lands where the replay stands (no wait). A long silence on one clock is handled the same
/// way: it is not waited for. `jumps` counts the domains started after the first.
public struct ReplayTimeline: Sendable {
    /// The largest gap between a packet and its clock's previous packet that is waited for.
    public let maximumJump: Int64
    /// Domains: a timestamp `t` of the clock is at `start + (t - anchor)` on the timeline
    /// (saturating; an offset `start - anchor` need not fit in Int64); its latest packet.
    private var domains: [(anchor: Int64, start: Int64, last: Int64, used: UInt64)] = []
    private var uses: UInt64 = 0
    /// Domains kept (the least recently used is forgotten beyond this).
    static let maximumDomains = 8
    /// The latest time placed on the timeline.
    public private(set) var latest: Int64 = 0
    /// The time of the first packet (the timeline's origin).
    public private(set) var origin: Int64?
    /// Jumps not waited for: packets more than `maximumJump` from every clock seen.
    public private(set) var jumps: UInt64 = 0

    public init(maximumJump: Int64 = 5_000_000_000) {
        self.maximumJump = maximumJump
    }

    /// The timeline time of a packet stamped `timestamp` (nanoseconds).
    public mutating func place(_ timestamp: Int64) -> Int64 {
        uses += 1
        guard origin != nil else {
            origin = timestamp
            latest = timestamp
            domains = [(timestamp, timestamp, timestamp, uses)]
            return timestamp
        }
        var best: Int?
        var bestDistance = Int64.max
        for (i, d) in domains.enumerated() {
            let distance = timestamp >= d.last ? timestamp.subtractingSaturating(d.last)
                : d.last.subtractingSaturating(timestamp)
            if distance <= maximumJump && distance < bestDistance {
                best = i
                bestDistance = distance
            }
        }
        let time: Int64
        if let i = best {
            domains[i].last = max(domains[i].last, timestamp)
            domains[i].used = uses
            time = domains[i].start.addingSaturating(timestamp.subtractingSaturating(domains[i].anchor))
        } else {
            jumps += 1
            if domains.count >= ReplayTimeline.maximumDomains, let oldest = domains.indices.min(by: { domains[$0].used < domains[$1].used }) {
                domains.remove(at: oldest)
            }
            domains.append((timestamp, latest, timestamp, uses))
            time = latest
        }
        latest = max(latest, time)
        return time
    }
}
