/**
 * Something in the payload that produced no record. `index` is the position of the
 * offending item in the payload (offer, itinerary, price point or generic record), or
 * -1 when the whole payload is at fault. `reason` names the field and the problem.
 */
export interface Rejection {
  index: number;
  reason: string;
}
