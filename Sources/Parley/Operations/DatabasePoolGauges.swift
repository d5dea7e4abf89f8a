import Prometheus

/// The database pool's state as `/metrics` shows it, read from the counts when scraped.
struct DatabasePoolGauges: Sendable {
    let activity: DatabasePoolActivity
    private let size: Gauge
    private let inUse: Gauge
    private let waiting: Gauge

    init(activity: DatabasePoolActivity, registry: PrometheusCollectorRegistry) {
        self.activity = activity
        size = registry.makeGauge(name: "parley_db_pool_connections_max", help: "Database connections the pool may open")
        inUse = registry.makeGauge(name: "parley_db_pool_connections_in_use", help: "Database connections held by queries now")
        waiting = registry.makeGauge(name: "parley_db_pool_waiting", help: "Database operations waiting for a connection")
    }

    func update() {
        let now = activity.snapshot
        size.set(Int64(now.size))
        inUse.set(Int64(now.inUse))
        waiting.set(Int64(now.waiting))
    }
}
