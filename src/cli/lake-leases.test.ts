/**
 * `faresight lake` scale-out on the embedded stream: the leases live in the stream's own
 * SQLite database, shared by the writer processes of one machine.
 */
import { openLakeFleet } from './testing/lake-fleet.js';
import { runLakeLeaseSuite } from './testing/lake-lease-suite.js';

runLakeLeaseSuite({ open: () => openLakeFleet() });
