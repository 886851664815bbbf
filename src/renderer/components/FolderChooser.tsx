// Where an agent works: the desktop app's native folder dialog, or a typed path (with the
// folders worth offering one click away) checked by the host as it is typed.
import { useState } from 'react';
import '../styles/first-run.css';
import type { FolderCheckDto, SetupInfoDto } from '../../shared/contract';
import { useBridge } from '../data/bridge-context';
import { plainMessage, toContractError } from '../data/errors';

export function FolderChooser({
  id,
  info,
  value,
  options,
  check,
  onChange,
}: {
  id: string;
  info: SetupInfoDto;
  value: string;
  /** Recent and suggested folders, offered as one-click choices. */
  options: string[];
  /** The host's verdict on `value` (null while it is being checked). */
  check: FolderCheckDto | null;
  onChange: (path: string) => void;
}) {
  const [pickError, setPickError] = useState<string | null>(null);
  const problem = pickError ?? (check && !check.ok && check.path !== '' ? check.problem : null);
  const others = options.filter((o) => o !== value);
  return (
    <div className="folder-chooser">
      <div className="folder-row">
        <input
          id={id}
          className="mono"
          value={value}
          onChange={(e) => onChange(e.target.value)}
          placeholder={`${info.home}/src/project`}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={!!problem}
          aria-describedby={`${id}-note`}
        />
        {info.folderPicker === 'native' && <PickFolderButton defaultPath={value} onPicked={onChange} onError={setPickError} />}
      </div>
      <p id={`${id}-note`} className={problem ? 'field-error' : 'field-hint'} role={problem ? 'alert' : undefined}>
        {problem ??
          (check?.ok
            ? check.gitRepo
              ? `${check.path}: a git repository.`
              : `${check.path}: not a git repository (agents work best in one, so their changes can be reviewed).`
            : 'The agent runs in this folder and may change files in it.')}
      </p>
      {others.length > 0 && (
        <div className="folder-options" aria-label="Recent and suggested folders">
          {others.map((folder) => (
            <button key={folder} type="button" className="btn btn-small btn-quiet mono" onClick={() => onChange(folder)} title={folder}>
              {folder}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}

/** Opens the desktop app's native folder dialog (setup.pickFolder); a cancel changes nothing. */
export function PickFolderButton({ defaultPath, onPicked, onError }: { defaultPath: string; onPicked: (path: string) => void; onError: (message: string | null) => void }) {
  const bridge = useBridge();
  const pick = async () => {
    onError(null);
    try {
      const { path } = await bridge.invoke('setup.pickFolder', { title: 'Choose the folder the agent works in', ...(defaultPath.trim() ? { defaultPath: defaultPath.trim() } : {}) });
      if (path) onPicked(path);
    } catch (err) {
      onError(plainMessage(toContractError(err)));
    }
  };
  return (
    <button type="button" className="btn" onClick={() => void pick()}>
      Choose folder…
    </button>
  );
}
