import BalieCore
import Foundation

extension PostgresStore: LiveEventRelay {
    /// The NOTIFY channel: its payload is only the new row's id; the row itself is read from `live_event`.
    static let liveChannel = "balie_live"
    /// How often the listener reads the table even without a notification (one lost while reconnecting).
    static let liveCatchUpSeconds: TimeInterval = 5

    public func publishLiveEvent(channel: String, name: String, data: String) throws {
        // One statement in autocommit: its NOTIFY goes out when it commits, so no instance reads a row that is not there.
        try write("""
            WITH event AS (INSERT INTO live_event (channel, name, data, at) VALUES ($1, $2, $3, $4) RETURNING id)
            SELECT pg_notify($5, id::text) FROM event
            """, [channel, name, data, SQL.time(Date()), Self.liveChannel])
    }

    public func liveEvents(channel: String, after id: Int64, limit: Int) throws -> [LiveEvent] {
        try query("SELECT id, channel, name, data FROM live_event WHERE channel = $1 AND id > $2 ORDER BY id LIMIT $3",
                  [channel, SQL.int(id), SQL.int(max(0, limit))]).compactMap(Self.liveEvent)
    }

    public func newestLiveEventID() throws -> Int64 {
        try query("SELECT coalesce(max(id), 0) AS id FROM live_event").first?.int64("id") ?? 0
    }

    public func listenForLiveEvents(_ deliver: @escaping @Sendable (LiveEvent) -> Void) {
        let address = pool.address, timeout = pool.statementTimeoutMilliseconds
        let start = (try? newestLiveEventID()) ?? 0
        let thread = Thread {
            var last = start
            var listener: PostgresConnection?
            var caughtUpAt = Date.distantPast
            while true {
                do {
                    if listener == nil || listener?.isHealthy == false {
                        let connection = try PostgresConnection(address: address, statementTimeoutMilliseconds: timeout)
                        try connection.execute("LISTEN \(Self.liveChannel)")
                        listener = connection
                        caughtUpAt = .distantPast  // what came while it was away is read from the table below
                    }
                    guard let connection = listener else { continue }
                    let heard = try connection.notifications(waitingUpTo: 1)
                    guard !heard.isEmpty || Date().timeIntervalSince(caughtUpAt) >= Self.liveCatchUpSeconds else { continue }
                    caughtUpAt = Date()
                    for event in try connection.rows("SELECT id, channel, name, data FROM live_event WHERE id > $1 ORDER BY id LIMIT 1000",
                                                     [SQL.int(last)]).compactMap(Self.liveEvent) {
                        deliver(event)
                        last = event.id
                    }
                } catch {
                    listener = nil
                    Thread.sleep(forTimeInterval: 1)
                }
            }
        }
        thread.name = "balie-live-events"
        thread.start()
    }

    private static func liveEvent(_ row: PostgresRow) -> LiveEvent? {
        guard let id = row.int64("id") else { return nil }
        return LiveEvent(id: id, channel: row.string("channel"), name: row.string("name"), data: row.string("data"))
    }
}
