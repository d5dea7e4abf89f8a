import Vapor

/// The limit on wrong passwords (logins per email and per client address, `current_password`
/// per user) counts failures once they are failures, never attempts in flight:
///
/// 1. Before a check, it is refused (429) when a key already has `limit` failures in its window.
///    Nothing is counted yet, so any number of attempts may be in flight together: a burst of
///    right passwords from one address (an office behind one NAT) all go through.
/// 2. After the check, a wrong password is counted against every key, unless one of them has
///    reached the limit meanwhile: then it is refused (429) instead, and not counted. A right
///    password is refused the same way when a key reached the limit meanwhile.
/// 3. A check that ends in an error (the hashing queue busy, the database down) tells nothing
///    about the password: nothing is counted.
///
/// So parallel wrong passwords cannot all slip past: of any number checked together at most
/// `limit` are told "wrong", and a right one is accepted only while fewer than `limit` were
/// wrong — the answers reveal no more guesses than `limit` attempts one after another would.
/// Bounding attempts in flight instead (limit − failures) would refuse a burst of right
/// passwords, the fault this replaces. What parallel attempts still cost is a hash each; the
/// hashing queue bounds that (`PasswordHasher.admit`), and rule 1 stops them once `limit` failed.
extension RateLimiter {
    /// Rule 1: throws 429 when a key is already at the limit.
    func admitPasswordCheck(_ keys: [String], refusal: String) throws {
        if let wait = check(keys) { throw Abort.tooManyRequests(retryAfter: wait, refusal) }
    }

    /// Rule 2: counts a wrong password, or throws 429 when a key reached the limit meanwhile.
    func judgePasswordCheck(_ keys: [String], matched: Bool, refusal: String) throws {
        if let wait = matched ? check(keys) : acquire(keys) { throw Abort.tooManyRequests(retryAfter: wait, refusal) }
    }
}
