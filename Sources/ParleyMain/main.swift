import Foundation
import Logging
import Metrics
import Parley
import Prometheus
import Vapor

@main
enum Entrypoint {
    static func main() async throws {
        let settings: Settings
        do {
            settings = try Settings.load()
        } catch let error as SettingsError {
            FileHandle.standardError.write(Data("parley: configuration error: \(error)\n".utf8))
            exit(78)  // EX_CONFIG
        }
        raiseOpenFileLimit()
        let env = try Environment.detect()
        LoggingSystem.bootstrap { label in settings.logFormat.handler(label: label, level: settings.logLevel) }

        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))

        let app = try await Application.make(env)
        let command = env.arguments.dropFirst().first { !$0.hasPrefix("-") } ?? "serve"
        do {
            try await configure(app, settings: settings, metrics: metrics)
            if command == "serve" || command == "create-user" {
                try await prepareDatabase(app)
            }
            try await app.execute()
            // SIGTERM: running replies finish (or are saved as interrupted) while the server still
            // serves their clients, then in-flight requests drain, before anything they use, like
            // the provider's HTTP client, is shut down with the app.
            if command == "serve" { await drainReplies(app) }
            await app.server.shutdown()
        } catch {
            if !(error is SettingsError) && !String(describing: type(of: error)).contains("ExitCode") {
                app.logger.critical("parley: \(String(describing: error))")
            } else if let error = error as? SettingsError {
                FileHandle.standardError.write(Data("parley: configuration error: \(error)\n".utf8))
            }
            try? await app.asyncShutdown()
            exit(1)
        }
        try await app.asyncShutdown()
    }
}

/// Every streamed chat holds two sockets (its client's and the provider's); the common soft limit
/// of 1 024 open files would cap Parley at about 500 streams, so it is raised to the hard limit.
private func raiseOpenFileLimit() {
    var limit = rlimit()
    let files = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    guard getrlimit(files, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(files, &limit)
}
