/**
 * Automation rules (docs/automations.md): listed and read with a read token; created, replaced,
 * removed and toggled by an admin (a rule submits jobs and calls URLs); each rule's firings; and
 * the dry run, which says what a rule would do with past events and does nothing.
 */
import { AUTH, BODY, errorResponses } from '../../core/api/errors.ts';
import {
  firingListSchema, firingsQuerySchema, ruleDeletedSchema, ruleInputSchema, ruleListSchema, ruleNameParams, ruleTestInputSchema,
  ruleTestResultSchema, storedRuleSchema,
} from '../../core/api/automations.ts';
import type { App, AppDeps } from '../app.ts';

export function registerAutomationRoutes(app: App, deps: AppDeps): void {
  const { automations } = deps;
  const admin = () => ({ kind: 'admin' }) as const;
  const read = () => ({ kind: 'read' }) as const;
  const notFound = { 404: 'no rule with this name' } as const;

  app.get('/api/v1/rules', {
    config: { access: read },
    schema: { summary: "Automation rules, by name, and the rules file's state (its last error, if any)", response: { 200: ruleListSchema, ...errorResponses(AUTH) } },
  }, async () => ({ rules: await automations.rules(), file: automations.fileStatus() }));

  app.get('/api/v1/rules/:name', {
    config: { access: read },
    schema: { summary: 'One rule', params: ruleNameParams, response: { 200: storedRuleSchema, ...errorResponses({ 400: true, ...AUTH, ...notFound }) } },
  }, async (request) => automations.rule(request.params.name));

  app.put('/api/v1/rules/:name', {
    config: { access: admin },
    schema: {
      summary: 'Create or replace a rule (not one of the rules file: edit the file)',
      params: ruleNameParams,
      body: ruleInputSchema,
      response: { 200: storedRuleSchema, ...errorResponses({ ...BODY, ...AUTH, 409: 'the rule comes from the rules file' }) },
    },
  }, async (request) => automations.save(request.params.name, request.body));

  app.delete('/api/v1/rules/:name', {
    config: { access: admin },
    schema: {
      summary: 'Remove a rule made through the API (its firings stay)',
      params: ruleNameParams,
      response: { 200: ruleDeletedSchema, ...errorResponses({ 400: true, ...AUTH, ...notFound, 409: 'the rule comes from the rules file: remove it there' }) },
    },
  }, async (request) => {
    await automations.remove(request.params.name);
    return { name: request.params.name, deleted: true as const };
  });

  for (const verb of ['enable', 'disable'] as const) {
    app.post(`/api/v1/rules/:name/${verb}`, {
      config: { access: admin },
      schema: {
        summary: verb === 'enable' ? 'Enable a rule' : 'Disable a rule: it fires on nothing until enabled (events meanwhile are not caught up)',
        params: ruleNameParams,
        response: { 200: storedRuleSchema, ...errorResponses({ 400: true, ...AUTH, ...notFound }) },
      },
    }, async (request) => automations.setEnabled(request.params.name, verb === 'enable'));
  }

  app.get('/api/v1/rules/:name/firings', {
    config: { access: read },
    schema: {
      summary: "A rule's firings, newest first: cause, state, what the action did, duration",
      params: ruleNameParams,
      querystring: firingsQuerySchema,
      response: { 200: firingListSchema, ...errorResponses({ 400: true, ...AUTH, ...notFound }) },
    },
  }, async (request) => ({ firings: await automations.firings(request.params.name, request.query.limit) }));

  app.post('/api/v1/rules/:name/test', {
    config: { access: read },
    schema: {
      summary: 'Dry run: what the rule would do with one event or the last N (a schedule: its next slots); nothing is done',
      params: ruleNameParams,
      body: ruleTestInputSchema,
      response: { 200: ruleTestResultSchema, ...errorResponses({ ...BODY, ...AUTH, 404: 'no rule, or no event, with this name or id' }) },
    },
  }, async (request) => ({ rule: request.params.name, results: await automations.test(request.params.name, request.body) }));
}
