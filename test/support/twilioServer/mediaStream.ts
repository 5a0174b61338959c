/**
 * One leg of a Media Stream as Twilio plays it: the class lives with the simulator (src/cli), which plays
 * both legs of a relayed call with it; the Twilio-shaped server uses the same one.
 */
export * from '../../../src/cli/mediaStreamLeg';
