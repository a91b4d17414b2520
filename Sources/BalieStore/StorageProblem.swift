import BalieCore
import Foundation
import GRDB

extension PostgresError: StorageFailure {
    public var storageProblem: StorageProblem? {
        switch sqlState {
        case "53100": return .full  // disk full
        case "25006": return .readOnly  // a read-only transaction (a standby)
        // Canceled by statement_timeout, a lock that waited too long, or a conflict to retry.
        case "57014", "55P03", "40001", "40P01": return .busy
        default: return isUnavailable ? .unavailable : nil
        }
    }
}

extension DatabaseError: StorageFailure {
    public var storageProblem: StorageProblem? {
        switch resultCode {
        case .SQLITE_FULL: return .full
        case .SQLITE_READONLY: return .readOnly
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .busy
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: return .ioError
        default: return nil
        }
    }
}
