/** Types for the parts of the `glicko2` package (CommonJS, untyped) that domain/ratings.ts uses. */
declare module 'glicko2' {
  export interface Player {
    getRating(): number;
    getRd(): number;
    getVol(): number;
  }
  export class Glicko2 {
    constructor(settings?: { tau?: number; rating?: number; rd?: number; vol?: number });
    makePlayer(rating: number, rd: number, vol: number): Player;
    updateRatings(matches: [Player, Player, number][]): void;
    predict(a: Player, b: Player): number;
  }
}
