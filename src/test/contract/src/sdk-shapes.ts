/** Every response type of @tryfinch/finch-api this service meets, as runtime checks tsc holds to the SDK's .d.ts. */
import type { SessionNewResponse, SessionReauthenticateResponse } from '@tryfinch/finch-api/resources/connect/sessions';
import type { CreateAccessTokenResponse } from '@tryfinch/finch-api/resources/access-tokens';
import type { DisconnectEntityResponse, DisconnectResponse, Introspection } from '@tryfinch/finch-api/resources/account';
import type { AccountUpdateEvent, JobCompletionEvent } from '@tryfinch/finch-api/resources/webhooks';
import type { AutomatedAsyncJob } from '@tryfinch/finch-api/resources/jobs/automated';
import type { BenefitsSupport } from '@tryfinch/finch-api/resources/hris/benefits/benefits';
import type { FinchConnectAuthMessage } from '@tryfinch/react-connect';
import { allOptional, arrayOf, bool, Check, nonEmpty, nullable, object, oneOf, str } from './shape';

const clientType = oneOf('development', 'production', 'sandbox');
const connectionType = oneOf('finch', 'provider');
const connectionStatus = oneOf('pending', 'processing', 'connected', 'error_no_account_setup', 'error_permissions', 'reauth');
const authenticationType = oneOf('assisted', 'credential', 'api_token', 'api_credential', 'oauth');

export const sessionNewResponse = object<SessionNewResponse>({ connect_url: nonEmpty, session_id: nonEmpty }, {});
export const sessionReauthenticateResponse = object<SessionReauthenticateResponse>(
  { connect_url: nonEmpty, session_id: nonEmpty },
  {},
);

export const createAccessTokenResponse = object<CreateAccessTokenResponse>(
  {
    access_token: nonEmpty,
    client_type: clientType,
    connection_id: nonEmpty,
    connection_type: connectionType,
    entity_ids: arrayOf(nonEmpty),
    products: arrayOf(str),
    provider_id: nonEmpty,
    token_type: str,
  },
  { account_id: str, company_id: str, customer_id: nullable(str), customer_name: nullable(str) },
);

const introspectionStatus = object<Introspection.ConnectionStatus>(
  { status: connectionStatus },
  { last_successful_sync: nullable(str), message: str },
);

export const introspection = object<Introspection>(
  {
    id: nonEmpty,
    client_id: nonEmpty,
    client_type: clientType,
    connection_id: nonEmpty,
    connection_status: introspectionStatus,
    connection_type: connectionType,
    products: arrayOf(str),
    provider_id: nonEmpty,
  },
  {
    account_id: str,
    authentication_methods: arrayOf(
      object<Introspection.AuthenticationMethod>(
        { type: authenticationType },
        { connection_status: introspectionStatus, products: arrayOf(str) },
      ),
    ),
    company_id: str,
    customer_email: nullable(str),
    customer_id: nullable(str),
    customer_name: nullable(str),
    entities: arrayOf(
      object<Introspection.Entity>(
        {
          id: nonEmpty,
          name: nullable(str),
          source_id: nullable(str),
          status: oneOf('pending', 'processing', 'connected', 'error_no_account_setup', 'error_permissions', 'reauth',
            'disconnected'),
        },
        {},
      ),
    ),
    manual: bool,
    payroll_provider_id: str,
    username: nullable(str),
  },
);

export const disconnectResponse = object<DisconnectResponse>({ status: nonEmpty }, {});
export const disconnectEntityResponse = object<DisconnectEntityResponse>({ status: nonEmpty }, {});

/**
 * docs/finch.md: the Webhooks page prints `entity_id: null` for a connection without entities, where the SDK
 * declares a string; the docs win for the simulator, so this one field may be null.
 */
const entityIdAsDocumented = nullable(str) as Check<string>;

export const accountUpdateEvent = object<AccountUpdateEvent>(
  { account_id: str, company_id: str },
  {
    connection_id: nonEmpty,
    entity_id: entityIdAsDocumented,
    event_type: oneOf('account.updated'),
    data: object<AccountUpdateEvent.Data>(
      {
        // The SDK declares an object; the docs page a string (docs/finch.md): this check keeps the SDK's object.
        authentication_method: object<AccountUpdateEvent.Data.AuthenticationMethod>(
          {},
          {
            benefits_support: nullable(allOptional<BenefitsSupport>()),
            supported_fields: nullable(allOptional<AccountUpdateEvent.Data.AuthenticationMethod.SupportedFields>()),
            type: authenticationType,
          },
        ),
        status: connectionStatus,
      },
      {},
    ),
  },
);

export const jobCompletionEvent = object<JobCompletionEvent>(
  { account_id: str, company_id: str },
  {
    connection_id: nonEmpty,
    entity_id: entityIdAsDocumented,
    event_type: oneOf('job.benefit_create.completed', 'job.benefit_enroll.completed', 'job.benefit_register.completed',
      'job.benefit_unenroll.completed', 'job.benefit_update.completed', 'job.data_sync_all.completed',
      'job.w4_form_employee_sync.completed', 'job.initial_data_sync_org.succeeded',
      'job.initial_data_sync_payroll.succeeded'),
    data: object<JobCompletionEvent.Data>({ job_id: nonEmpty, job_url: nonEmpty }, {}),
  },
);

export const automatedAsyncJob = object<AutomatedAsyncJob>(
  {
    completed_at: nullable(str),
    created_at: nonEmpty,
    job_id: nonEmpty,
    job_url: nonEmpty,
    params: nullable(object<AutomatedAsyncJob.Params>({}, { individual_id: str })),
    scheduled_at: nullable(str),
    started_at: nullable(str),
    status: oneOf('pending', 'in_progress', 'complete', 'error', 'reauth_error', 'permissions_error'),
    type: oneOf('data_sync_all', 'w4_form_employee_sync'),
  },
  {},
);

type Message<K> = Extract<FinchConnectAuthMessage, { kind: K }>;
type ErrorMessage = Message<'error'>;

/** The Connect page's messages, held to @tryfinch/react-connect's own type of them. */
export const connectMessage = {
  success: object<Message<'success'>>(
    { name: oneOf('finch-auth-message-v2'), kind: oneOf('success'), code: nonEmpty },
    { state: str, idpRedirectUri: str },
  ),
  closed: object<Message<'closed'>>({ name: oneOf('finch-auth-message-v2'), kind: oneOf('closed') }, {}),
  error: object<ErrorMessage>(
    {
      name: oneOf('finch-auth-message-v2'),
      kind: oneOf('error'),
      error: object<ErrorMessage['error']>(
        { shouldClose: bool, message: nonEmpty },
        { type: oneOf('validation_error', 'employer_connection_error') },
      ),
    },
    {},
  ),
};
