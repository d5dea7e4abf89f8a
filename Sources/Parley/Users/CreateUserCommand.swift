import Vapor

/// `parley create-user --email E [--superuser]`, password on standard input, so it never shows in
/// the process list or shell history.
struct CreateUserCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "email", help: "The new user's email address.")
        var email: String?

        @Flag(name: "superuser", help: "Make the user a superuser.")
        var superuser: Bool

        init() {}
    }

    var help: String { "Creates a user; reads the password from standard input." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let email = signature.email else {
            context.console.error("create-user: --email is required")
            throw ExitCode(1)
        }
        if isatty(STDIN_FILENO) == 1 { context.console.output("Password: ", newLine: false) }
        guard let password = readLine(strippingNewline: true), !password.isEmpty else {
            context.console.error("create-user: no password on standard input")
            throw ExitCode(1)
        }
        let app = context.application
        let input = UserCreateRequest(email: email, password: password, fullName: nil, isActive: true, isSuperuser: signature.superuser)
        do {
            let user = try await app.parley.users.create(input, allowPrivileges: true, on: app.db.sql)
            context.console.print("Created \(user.isSuperuser ? "superuser" : "user") \(user.email) (\(user.id.lowercasedString))")
        } catch let failure as ValidationFailure {
            context.console.error("create-user: " + failure.issues.map { "\($0.loc.last?.description ?? "input"): \($0.msg)" }.joined(separator: "; "))
            throw ExitCode(1)
        } catch let abort as Abort {
            context.console.error("create-user: \(abort.reason)")
            throw ExitCode(1)
        }
    }
}

struct ExitCode: Error, CustomStringConvertible {
    let code: Int32
    init(_ code: Int32) { self.code = code }
    var description: String { "stopped (exit status \(code))" }
}
