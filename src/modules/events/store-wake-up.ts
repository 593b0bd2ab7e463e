// Moved to the service's store wiring; kept until events.controller.ts imports it from there.
export { StoreWakeUp } from '../../infrastructure/event-store/store-wake-up';
