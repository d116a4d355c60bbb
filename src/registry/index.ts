/** The model registry's services (README.md in this folder). */
export { findVersion, showModel, type ModelDetail } from './models.ts';
export { applyPromotionRule, type PromotionDeps, type PromotionOutcome, type PromotionRequest } from './promotion.ts';
export { createPromoter, promotionInputs, PROMOTION_SUBSCRIBER, type Promoter, type PromoterDeps } from './promoter.ts';
export { createModelBaseline, resultOn } from './suite-results.ts';
