import { useState } from 'preact/hooks';
import { api, call, describeFailure, type Playlist } from '../api.ts';
import { Notice } from '../components/layout.tsx';
import { USER_ID_HINT, USER_ID_PATTERN } from './user-id.ts';

type Role = Playlist['members'][number]['role'];

/** The owner's list of members: viewers read the playlist, editors also change its songs. */
export function Members({ playlist, onChanged }: { playlist: Playlist; onChanged: () => void }) {
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [message, setMessage] = useState<{ tone: 'info' | 'error'; text: string } | undefined>();
  const setMember = async (who: string, as: Role) => {
    const outcome = await call(
      api.PUT('/api/playlists/{id}/members/{userId}', {
        params: { path: { id: playlist.id, userId: who } },
        body: { role: as },
      }),
    );
    if (outcome.ok) {
      setMessage({ tone: 'info', text: `${who} is now a ${as}.` });
      setUserId('');
      onChanged();
    } else setMessage({ tone: 'error', text: describeFailure(outcome.failure) });
  };
  const removeMember = async (who: string) => {
    const outcome = await call(
      api.DELETE('/api/playlists/{id}/members/{userId}', {
        params: { path: { id: playlist.id, userId: who } },
      }),
    );
    if (outcome.ok) {
      setMessage({ tone: 'info', text: `${who} is no longer a member.` });
      onChanged();
    } else setMessage({ tone: 'error', text: describeFailure(outcome.failure) });
  };
  return (
    <section class="card" aria-labelledby="members-heading">
      <h2 id="members-heading">Members</h2>
      {playlist.members.length === 0 ? (
        <p class="muted">Only you.</p>
      ) : (
        <ul class="members">
          {playlist.members.map((member) => (
            <li key={member.userId}>
              <code class="user">{member.userId}</code>
              <label>
                <span class="visually-hidden">Role of {member.userId}</span>
                <select
                  value={member.role}
                  onChange={(event) => void setMember(member.userId, event.currentTarget.value as Role)}
                >
                  <option value="viewer">viewer</option>
                  <option value="editor">editor</option>
                </select>
              </label>
              <button
                type="button"
                class="button small secondary"
                aria-label={`Remove member ${member.userId}`}
                onClick={() => void removeMember(member.userId)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          void setMember(userId.trim().toLowerCase(), role);
        }}
      >
        <label class="field">
          Add a member by user id
          <input
            required
            pattern={USER_ID_PATTERN}
            title={USER_ID_HINT}
            autocomplete="off"
            spellcheck={false}
            value={userId}
            onInput={(event) => setUserId(event.currentTarget.value)}
          />
        </label>
        <label class="field">
          As
          <select value={role} onChange={(event) => setRole(event.currentTarget.value as Role)}>
            <option value="viewer">viewer (reads it)</option>
            <option value="editor">editor (also changes its songs)</option>
          </select>
        </label>
        <button type="submit" class="button">
          Add the member
        </button>
      </form>
      {message !== undefined && <Notice tone={message.tone}>{message.text}</Notice>}
    </section>
  );
}
