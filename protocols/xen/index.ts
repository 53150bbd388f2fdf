export { parseXlList, XL_STATE_FLAGS, type XlDomain, type XlStateFlag } from './xlList.js';
