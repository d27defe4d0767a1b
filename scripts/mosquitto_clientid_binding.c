/*
 * A Mosquitto 2.0 plugin that binds client ids to users (docs/broker-trust.md).
 *
 * Every service user owns a client-id namespace: its own name and every id that starts with
 * "<name>-" (shadow owns "shadow-host-p0", "shadow-requests-1a2b"). A login that presents an id
 * in another user's namespace is refused at CONNECT, before Mosquitto would hand it that
 * client's session (subscriptions, queued messages) and disconnect the rightful owner; the
 * same rule denies every publish, subscribe and delivery. When several names match ("ocpp" and
 * "ocpp-handler"), the longest owns the id.
 *
 * A client certificate, where one is presented, must name the user (CN = user name): the TLS
 * listener takes certificate and password together. (Mosquitto's use_identity_as_username would
 * take the CN alone, but then skips every plugin at CONNECT, so the client id could not be bound.)
 *
 * Mosquitto's own options cannot say this: password_file and acl_file never look at the
 * client id at connect, clientid_prefixes is one prefix for the whole broker, and the dynamic
 * security plugin binds a user to one exact id (one connection per user) without reserving
 * that id against other users.
 *
 * Configuration: plugin_opt_users <space-separated user names>.
 */
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <openssl/x509.h>

#define MAX_USERS 64

struct binding {
	mosquitto_plugin_id_t *id;
	char *names;
	const char *users[MAX_USERS];
	int user_count;
};

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	(void)supported_version_count;
	(void)supported_versions;
	return 5;
}

/* The user whose namespace holds client_id, or NULL when none does. */
static const char *owner_of(const struct binding *binding, const char *client_id)
{
	const char *owner = NULL;
	size_t owner_length = 0;
	for(int i = 0; i < binding->user_count; i++){
		const char *user = binding->users[i];
		size_t length = strlen(user);
		if(strncmp(client_id, user, length) == 0
				&& (client_id[length] == '\0' || client_id[length] == '-')
				&& length > owner_length){
			owner = user;
			owner_length = length;
		}
	}
	return owner;
}

/* True when the client presents an id that belongs to someone else. */
static int trespasses(const struct binding *binding, struct mosquitto *client, const char *username)
{
	const char *client_id = mosquitto_client_id(client);
	if(client_id == NULL){
		return 0;
	}
	const char *owner = owner_of(binding, client_id);
	return owner != NULL && (username == NULL || strcmp(owner, username) != 0);
}

/* True when the client presented a certificate whose CN is not the user name. */
static int certificate_disagrees(struct mosquitto *client, const char *username)
{
	X509 *certificate = mosquitto_client_certificate(client);
	if(certificate == NULL){
		return 0;
	}
	char common_name[256] = "";
	int length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName,
			common_name, sizeof(common_name));
	X509_free(certificate);
	return length <= 0 || username == NULL || strcmp(common_name, username) != 0;
}

static int on_basic_auth(int event, void *event_data, void *userdata)
{
	(void)event;
	struct mosquitto_evt_basic_auth *auth = event_data;
	if(certificate_disagrees(auth->client, auth->username)){
		mosquitto_log_printf(MOSQ_LOG_WARNING,
				"clientid binding: refused user %s whose client certificate names someone else",
				auth->username ? auth->username : "(none)");
		return MOSQ_ERR_AUTH;
	}
	if(trespasses(userdata, auth->client, auth->username)){
		mosquitto_log_printf(MOSQ_LOG_WARNING,
				"clientid binding: refused user %s with client id %s, which belongs to another user",
				auth->username ? auth->username : "(none)", mosquitto_client_id(auth->client));
		return MOSQ_ERR_AUTH;
	}
	return MOSQ_ERR_PLUGIN_DEFER;
}

static int on_acl_check(int event, void *event_data, void *userdata)
{
	(void)event;
	struct mosquitto_evt_acl_check *check = event_data;
	if(trespasses(userdata, check->client, mosquitto_client_username(check->client))){
		return MOSQ_ERR_ACL_DENIED;
	}
	return MOSQ_ERR_PLUGIN_DEFER;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata,
		struct mosquitto_opt *options, int option_count)
{
	struct binding *binding = calloc(1, sizeof(*binding));
	if(binding == NULL){
		return MOSQ_ERR_NOMEM;
	}
	binding->id = identifier;
	for(int i = 0; i < option_count; i++){
		if(strcmp(options[i].key, "users") == 0 && binding->names == NULL){
			binding->names = strdup(options[i].value);
		}
	}
	if(binding->names == NULL){
		mosquitto_log_printf(MOSQ_LOG_ERR, "clientid binding: plugin_opt_users is required");
		free(binding);
		return MOSQ_ERR_INVAL;
	}
	char *saveptr = NULL;
	for(char *name = strtok_r(binding->names, " ", &saveptr); name != NULL;
			name = strtok_r(NULL, " ", &saveptr)){
		if(binding->user_count == MAX_USERS){
			mosquitto_log_printf(MOSQ_LOG_ERR, "clientid binding: more than %d users", MAX_USERS);
			free(binding->names);
			free(binding);
			return MOSQ_ERR_INVAL;
		}
		binding->users[binding->user_count++] = name;
	}
	*userdata = binding;
	int rc = mosquitto_callback_register(identifier, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL, binding);
	if(rc == MOSQ_ERR_SUCCESS){
		rc = mosquitto_callback_register(identifier, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL, binding);
	}
	return rc;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	(void)options;
	(void)option_count;
	struct binding *binding = userdata;
	if(binding != NULL){
		mosquitto_callback_unregister(binding->id, MOSQ_EVT_BASIC_AUTH, on_basic_auth, NULL);
		mosquitto_callback_unregister(binding->id, MOSQ_EVT_ACL_CHECK, on_acl_check, NULL);
		free(binding->names);
		free(binding);
	}
	return MOSQ_ERR_SUCCESS;
}
