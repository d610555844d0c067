import { loadShipperConfig } from './config.ts';
import { wireLogsShipper } from './wiring.ts';

export const handler = wireLogsShipper(loadShipperConfig(process.env)).handle;
